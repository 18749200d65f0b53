import { router } from '../../trpc/procedures.js';

export const groupsRouter = router({});
