import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUrlTemplate } from '../../operations/url-template.js';
import { ImportError, type ImportedApi } from './imported-api.js';
import { importOData } from './odata-import.js';

const northwind = readFileSync(resolve(import.meta.dirname, 'testdata/odata-northwind-metadata.xml'), 'utf8');

function importNorthwind(fileName = '$metadata', text = northwind): Promise<ImportedApi> {
  return importOData({ fileName, text });
}

async function importError(text: string): Promise<ImportError> {
  const error: unknown = await importNorthwind('$metadata', text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

function operation(api: ImportedApi, name: string) {
  const found = api.operations.find((o) => o.name === name);
  expect(found, `operation ${name}`).toBeDefined();
  return found!;
}

const CRUD = ['list', 'create', 'get', 'update', 'delete'];

describe('OData import: Northwind-like $metadata', () => {
  it('imports five operations per entity set, two per singleton, then function and action imports', async () => {
    const api = await importNorthwind();
    expect(api).toMatchObject({
      type: 'http',
      sourceFormat: 'odata-csdl',
      name: 'NorthwindEntities',
      serviceUrl: undefined,
      suggestedPath: '',
    });
    expect(api.description).toBe('Orders, products and customers of a small trading company');
    const sets = ['Categories', 'Products', 'Customers', 'Orders', 'Order_Details', 'DiscontinuedProducts'];
    expect(api.operations.map((o) => o.name)).toEqual([
      ...sets.flatMap((set) => CRUD.map((action) => `${set}.${action}`)),
      'Company.get',
      'Company.update',
      'TopProducts(count)',
      'TopProducts(count,categoryName)',
      'TotalSales',
      'ResetDataSource',
      'PlaceOrder',
    ]);
  });

  it('addresses entities by key in OData’s canonical URL form', async () => {
    const api = await importNorthwind();
    const routes = (set: string) =>
      CRUD.map((action) => `${operation(api, `${set}.${action}`).method} ${operation(api, `${set}.${action}`).urlTemplate}`);
    expect(routes('Products')).toEqual([
      'GET /Products',
      'POST /Products',
      'GET /Products({ProductID})',
      'PATCH /Products({ProductID})',
      'DELETE /Products({ProductID})',
    ]);
    // String keys are quoted; composite keys are named; an inherited key is the base type's.
    expect(operation(api, 'Customers.get').urlTemplate).toBe("/Customers('{CustomerID}')");
    expect(operation(api, 'Order_Details.delete').urlTemplate).toBe('/Order_Details(OrderID={OrderID},ProductID={ProductID})');
    expect(operation(api, 'DiscontinuedProducts.get').urlTemplate).toBe('/DiscontinuedProducts({ProductID})');
  });

  it('types key parameters from the entity type’s key properties', async () => {
    const api = await importNorthwind();
    const keys = (name: string) => operation(api, name).parameters.filter((p) => p.in === 'path');
    expect(keys('Order_Details.update')).toEqual([
      { name: 'OrderID', in: 'path', required: true, schema: { type: 'integer', format: 'int32' } },
      { name: 'ProductID', in: 'path', required: true, schema: { type: 'integer', format: 'int32' } },
    ]);
    expect(keys('Customers.delete')).toEqual([{ name: 'CustomerID', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  it('binds entity-set and singleton operations to their set, type and action', async () => {
    const api = await importNorthwind();
    expect(operation(api, 'Order_Details.get').binding).toEqual({
      kind: 'odata',
      entitySet: 'Order_Details',
      entityType: 'NorthwindModel.Order_Detail',
      action: 'get',
    });
    // The alias-qualified EntityType="NW.Customer" is read as its namespace.
    expect(operation(api, 'Customers.create').binding).toEqual({
      kind: 'odata',
      entitySet: 'Customers',
      entityType: 'NorthwindModel.Customer',
      action: 'create',
    });
    expect(operation(api, 'Company.update').binding).toEqual({
      kind: 'odata',
      entitySet: 'Company',
      entityType: 'NorthwindModel.Company',
      action: 'update',
    });
    expect(operation(api, 'TotalSales').binding).toEqual({
      kind: 'odata',
      entitySet: '',
      entityType: '',
      action: 'function',
      callable: 'TotalSales',
    });
    expect(operation(api, 'PlaceOrder').binding).toEqual({
      kind: 'odata',
      entitySet: 'Orders',
      entityType: '',
      action: 'action',
      callable: 'PlaceOrder',
    });
  });

  it('describes entities with JSON Schema of their structural properties, base type’s included', async () => {
    const api = await importNorthwind();
    const schema = operation(api, 'DiscontinuedProducts.get').responses[0]?.representations?.[0]?.schema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual([
      'ProductID',
      'ProductName',
      'CategoryID',
      'UnitPrice',
      'UnitsInStock',
      'Discontinued',
      'Tags',
      'DiscontinuedDate',
    ]);
    expect(schema.properties).toMatchObject({
      ProductID: { type: 'integer', format: 'int32' },
      ProductName: { type: 'string', maxLength: 40, description: 'The name shown in the catalogue' },
      UnitPrice: { type: ['number', 'string', 'null'], format: 'decimal' },
      Tags: { type: 'array', items: { type: 'string' } },
      DiscontinuedDate: { type: ['string', 'null'], format: 'date-time' },
    });
    const order = operation(api, 'Orders.create').request?.representations[0]?.schema as { properties: Record<string, unknown> };
    expect(order.properties.ShipVia).toEqual({ type: ['string', 'null'], enum: ['Ground', 'Air', 'Sea', null] });
    expect(order.properties.ShipAddress).toMatchObject({
      type: ['object', 'null'],
      properties: { City: { type: ['string', 'null'], maxLength: 15 } },
    });
    expect(order.properties).not.toHaveProperty('Customer');
  });

  it('wraps a collection in value with the OData control information', async () => {
    const list = operation(await importNorthwind(), 'Categories.list');
    expect(list.parameters.map((p) => p.name)).toEqual([
      '$filter',
      '$select',
      '$expand',
      '$orderby',
      '$top',
      '$skip',
      '$count',
      '$search',
    ]);
    expect(list.responses[0]?.representations?.[0]?.schema).toMatchObject({
      properties: {
        '@odata.count': { type: 'integer' },
        value: { type: 'array', items: { type: 'object', properties: { CategoryName: { type: 'string' } } } },
      },
      required: ['value'],
    });
    expect(list.responses.map((r) => r.status)).toEqual([200, 'default']);
  });

  it('answers create with 201 and update/delete with 204, honouring If-Match', async () => {
    const api = await importNorthwind();
    expect(operation(api, 'Products.create').responses[0]?.status).toBe(201);
    expect(operation(api, 'Products.update').responses[0]?.status).toBe(204);
    expect(operation(api, 'Products.delete').parameters.find((p) => p.in === 'header')?.name).toBe('If-Match');
  });

  it('imports each function overload as a GET with inline parameters', async () => {
    const api = await importNorthwind();
    expect(operation(api, 'TopProducts(count,categoryName)')).toMatchObject({
      method: 'GET',
      urlTemplate: "/TopProducts(count={count},categoryName='{categoryName}')",
      parameters: [
        { name: 'count', in: 'path', required: true, schema: { type: 'integer', format: 'int32' } },
        { name: 'categoryName', in: 'path', required: true, schema: { type: 'string' } },
      ],
      tags: ['Products'],
    });
    expect(operation(api, 'TotalSales').urlTemplate).toBe('/TotalSales()');
    expect(operation(api, 'TotalSales').responses[0]?.representations?.[0]?.schema).toMatchObject({
      properties: { value: { format: 'decimal' } },
      required: ['value'],
    });
  });

  it('imports action imports as a POST of their parameters, 204 when they return nothing', async () => {
    const api = await importNorthwind();
    const placeOrder = operation(api, 'PlaceOrder');
    expect(placeOrder).toMatchObject({ method: 'POST', urlTemplate: '/PlaceOrder', tags: ['Orders'] });
    expect(placeOrder.request?.representations[0]?.schema).toMatchObject({
      properties: {
        customerId: { type: 'string' },
        lines: { type: 'array', items: { properties: { Quantity: { type: 'integer' } } } },
      },
      required: ['customerId'],
    });
    expect(placeOrder.responses[0]?.representations?.[0]?.schema).toMatchObject({ properties: { OrderID: { type: 'integer' } } });
    expect(operation(api, 'ResetDataSource')).toMatchObject({
      request: null,
      responses: [{ status: 204 }, { status: 'default' }],
    });
  });

  it('warns about bound functions, which it does not import', async () => {
    const api = await importNorthwind();
    expect(api.warnings).toEqual([
      {
        pointer: "/Edmx/DataServices/Schema[@Namespace='NorthwindModel']/Function[@Name='OrderTotal']",
        line: 107,
        file: '$metadata',
        message: 'bound function OrderTotal is not imported; add its operation by hand if clients call it',
      },
    ]);
  });

  it('gives every operation a template the operations table accepts, each route once', async () => {
    const api = await importNorthwind();
    const routes = api.operations.map((o) => {
      const parsed = parseUrlTemplate(o.urlTemplate);
      expect(parsed, o.urlTemplate).toMatchObject({ ok: true });
      const declared = o.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      expect(parsed.ok && parsed.value.parameters).toEqual(declared);
      return `${o.method} ${parsed.ok ? parsed.value.shape : ''}`;
    });
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('takes the service root from a $metadata URL', async () => {
    const api = await importNorthwind('https://services.example.com/V4/Northwind/Northwind.svc/$metadata');
    expect(api.serviceUrl).toBe('https://services.example.com/V4/Northwind/Northwind.svc');
    expect(api.suggestedPath).toBe('V4/Northwind/Northwind.svc');
  });
});

describe('OData import: refusals', () => {
  it('reports malformed XML at the validator’s line', async () => {
    const error = await importError(northwind.replace('</EntityType>', '</EntityTyp>'));
    expect(error.issues).toEqual([
      { pointer: '', line: 31, file: '$metadata', message: expect.stringMatching(/^malformed XML: /) as string },
    ]);
  });

  it('refuses an entity set of an undefined type, pointing at it', async () => {
    const error = await importError(
      northwind.replace('EntityType="NorthwindModel.Order_Detail"', 'EntityType="NorthwindModel.OrderLine"'),
    );
    expect(error.issues).toEqual([
      {
        pointer:
          "/Edmx/DataServices/Schema[@Namespace='NorthwindModel']/EntityContainer[@Name='NorthwindEntities']/EntitySet[@Name='Order_Details']",
        line: 133,
        file: '$metadata',
        message: 'entity type NorthwindModel.OrderLine is not defined',
      },
    ]);
  });

  it('refuses a key naming an unknown property, and an entity type without key', async () => {
    const badRef = await importError(
      northwind.replace(
        '<PropertyRef Name="OrderID" />\n          <PropertyRef Name="ProductID" />',
        '<PropertyRef Name="OrderID" />\n          <PropertyRef Name="ProductId" />',
      ),
    );
    expect(badRef.issues[0]).toMatchObject({ line: 77, message: 'key property ProductId is not a property of the entity type' });
    const keyless = await importError(northwind.replace(/<Key>\s*<PropertyRef Name="CategoryID" \/>\s*<\/Key>/, ''));
    expect(keyless.issues[0]).toMatchObject({
      pointer: "/Edmx/DataServices/Schema[@Namespace='NorthwindModel']/EntityType[@Name='Category']",
      message: 'entity type has no key, so its entities cannot be addressed',
    });
  });

  it('refuses OData v2 metadata and documents that are not CSDL', async () => {
    const v2 = await importError('<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"/>');
    expect(v2.issues[0]?.message).toMatch(/OData v2\/v3 metadata is not supported/);
    const wsdl = await importError('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"/>');
    expect(wsdl.issues[0]?.message).toBe('expected an OData v4 <edmx:Edmx> document, found <definitions>');
  });
});
