import { router } from '../../trpc/procedures.js';

export const productsRouter = router({});
