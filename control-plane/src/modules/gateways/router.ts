import { router } from '../../trpc/procedures.js';

export const gatewaysRouter = router({});
