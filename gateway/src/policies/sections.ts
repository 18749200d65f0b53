/** The four sections of a policy document, in Azure's order and with Azure's names. */
export const PolicySection = {
  inbound: 'inbound',
  backend: 'backend',
  outbound: 'outbound',
  onError: 'on-error',
} as const;
export type PolicySection = (typeof PolicySection)[keyof typeof PolicySection];

export const policySections: readonly PolicySection[] = Object.values(PolicySection);
