import { router } from '../../trpc/procedures.js';

export const subscriptionsRouter = router({});
