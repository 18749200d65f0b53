import { router } from '../../trpc/procedures.js';
import { createBackend } from './create-backend.js';
import { deleteBackend } from './delete-backend.js';
import { getBackend } from './get-backend.js';
import { listBackends } from './list-backends.js';
import { updateBackend } from './update-backend.js';

export const backendsRouter = router({
  list: listBackends,
  get: getBackend,
  create: createBackend,
  update: updateBackend,
  delete: deleteBackend,
});
