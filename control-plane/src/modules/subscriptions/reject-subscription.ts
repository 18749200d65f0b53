import { transitionProcedure } from './transition-procedure.js';

export const rejectSubscription = transitionProcedure('reject', 'Reject a submitted subscription');
