import { router } from '../../trpc/procedures.js';

export const backendsRouter = router({});
