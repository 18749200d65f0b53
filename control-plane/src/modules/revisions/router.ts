import { router } from '../../trpc/procedures.js';
import { createRevision } from './create-revision.js';
import { diffRevisions } from './diff-revisions.js';
import { getRevision } from './get-revision.js';
import { listRevisions } from './list-revisions.js';
import { makeCurrentRevision } from './make-current-revision.js';

export const revisionsRouter = router({
  list: listRevisions,
  get: getRevision,
  create: createRevision,
  makeCurrent: makeCurrentRevision,
  diff: diffRevisions,
});
