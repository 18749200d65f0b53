import { transitionProcedure } from './transition-procedure.js';

export const expireSubscription = transitionProcedure('expire', 'Mark a subscription expired');
