import { router } from '../../trpc/procedures.js';
import { createApi } from './create-api.js';
import { deleteApi } from './delete-api.js';
import { getApi } from './get-api.js';
import { listApis } from './list-apis.js';
import { updateApi } from './update-api.js';

export const apisRouter = router({
  list: listApis,
  get: getApi,
  create: createApi,
  update: updateApi,
  delete: deleteApi,
});
