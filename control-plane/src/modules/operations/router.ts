import { router } from '../../trpc/procedures.js';
import { createOperation } from './create-operation.js';
import { deleteOperation } from './delete-operation.js';
import { getOperation } from './get-operation.js';
import { listOperations } from './list-operations.js';
import { updateOperation } from './update-operation.js';

export const operationsRouter = router({
  list: listOperations,
  get: getOperation,
  create: createOperation,
  update: updateOperation,
  delete: deleteOperation,
});
