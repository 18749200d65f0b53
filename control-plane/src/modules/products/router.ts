import { router } from '../../trpc/procedures.js';
import { addProductApi } from './add-product-api.js';
import { createProduct } from './create-product.js';
import { deleteProduct } from './delete-product.js';
import { getProduct } from './get-product.js';
import { listProductApis } from './list-product-apis.js';
import { listProducts } from './list-products.js';
import { publishProduct } from './publish-product.js';
import { removeProductApi } from './remove-product-api.js';
import { setProductGroups } from './set-product-groups.js';
import { unpublishProduct } from './unpublish-product.js';
import { updateProduct } from './update-product.js';

export const productsRouter = router({
  list: listProducts,
  get: getProduct,
  create: createProduct,
  update: updateProduct,
  delete: deleteProduct,
  publish: publishProduct,
  unpublish: unpublishProduct,
  listApis: listProductApis,
  addApi: addProductApi,
  removeApi: removeProductApi,
  setGroups: setProductGroups,
});
