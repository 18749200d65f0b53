import { router } from '../../trpc/procedures.js';

export const operationsRouter = router({});
