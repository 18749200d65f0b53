import { router } from '../../trpc/procedures.js';
import { createNamedValue } from './create-named-value.js';
import { deleteNamedValue } from './delete-named-value.js';
import { getNamedValue } from './get-named-value.js';
import { listNamedValues } from './list-named-values.js';
import { updateNamedValue } from './update-named-value.js';

export const namedValuesRouter = router({
  list: listNamedValues,
  get: getNamedValue,
  create: createNamedValue,
  update: updateNamedValue,
  delete: deleteNamedValue,
});
