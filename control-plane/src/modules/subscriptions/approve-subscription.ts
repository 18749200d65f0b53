import { transitionProcedure } from './transition-procedure.js';

export const approveSubscription = transitionProcedure('approve', 'Approve a submitted subscription');
