import { router } from '../../trpc/procedures.js';
import { createApi } from './create-api.js';
import { deleteApi } from './delete-api.js';
import { exportApi } from './export-api.js';
import { getApi } from './get-api.js';
import { importApi } from './import-api.js';
import { listApis } from './list-apis.js';
import { updateApi } from './update-api.js';

export const apisRouter = router({
  list: listApis,
  get: getApi,
  create: createApi,
  update: updateApi,
  delete: deleteApi,
  import: importApi,
  export: exportApi,
});
