import { router } from '../../trpc/procedures.js';
import { createVersionSet } from './create-version-set.js';
import { deleteVersionSet } from './delete-version-set.js';
import { getVersionSet } from './get-version-set.js';
import { listVersionSetApis } from './list-version-set-apis.js';
import { listVersionSets } from './list-version-sets.js';
import { updateVersionSet } from './update-version-set.js';

export const versionSetsRouter = router({
  list: listVersionSets,
  get: getVersionSet,
  create: createVersionSet,
  update: updateVersionSet,
  delete: deleteVersionSet,
  listApis: listVersionSetApis,
});
