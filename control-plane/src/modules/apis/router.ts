import { router } from '../../trpc/procedures.js';

export const apisRouter = router({});
