/**
 * A product–API link's id names both ends, like `gateway_apis`: it is also the entity id of its
 * `product_api` config change, so the compiler knows what a removal removed after the row is gone.
 */
export const productApiKey = (productId: string, apiId: string) => `${productId}:${apiId}`;
