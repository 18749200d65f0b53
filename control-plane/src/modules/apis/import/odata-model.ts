import { ImportError, type ImportSource } from './imported-api.js';
import { childOf, childrenOf, issueAt, parseXml, type XmlElement } from './wsdl-xml.js';

const EDMX_NS = 'http://docs.oasis-open.org/odata/ns/edmx';
export const EDM_NS = 'http://docs.oasis-open.org/odata/ns/edm';
/** OData v1–v3 (CSDL 1.0–3.0) used Microsoft namespaces; their URL conventions and JSON differ from v4. */
const LEGACY_EDMX_NS = 'http://schemas.microsoft.com/ado/2007/06/edmx';

/**
 * The parts of an OData v4 CSDL document the importer reads, indexed by namespace-qualified
 * name with schema aliases already expanded (`NW.Product` and `NorthwindModel.Product` are one).
 */
export interface CsdlModel {
  root: XmlElement;
  container: XmlElement;
  /** EntityType, ComplexType, EnumType and TypeDefinition elements. */
  types: Map<string, XmlElement>;
  /** Functions and actions by name; a name may have several overloads. */
  functions: Map<string, XmlElement[]>;
  actions: Map<string, XmlElement[]>;
  /** Expands an alias-qualified name (`NW.Product` → `NorthwindModel.Product`), `Collection(…)` included. */
  qualify(name: string): string;
}

export function readCsdl(source: ImportSource): CsdlModel {
  const root = parseXml(source.text, source.fileName);
  if (root.ns === LEGACY_EDMX_NS) {
    throw new ImportError([issueAt(root, 'OData v2/v3 metadata is not supported; import an OData v4 $metadata document')]);
  }
  if (root.ns !== EDMX_NS || root.local !== 'Edmx') {
    throw new ImportError([issueAt(root, `expected an OData v4 <edmx:Edmx> document, found <${root.local}>`)]);
  }
  const dataServices = childOf(root, [EDMX_NS], 'DataServices');
  if (!dataServices) throw new ImportError([issueAt(root, 'edmx:Edmx has no edmx:DataServices')]);
  const schemas = childrenOf(dataServices, [EDM_NS], 'Schema');
  const aliases = new Map(
    schemas.flatMap((schema) => (schema.attrs.Alias ? [[schema.attrs.Alias, schema.attrs.Namespace ?? '']] : [])),
  );
  const qualify = (name: string): string => qualifyName(name, aliases);
  const model = indexSchemas(schemas);
  const container = schemas.flatMap((schema) => childrenOf(schema, [EDM_NS], 'EntityContainer'))[0];
  if (!container)
    throw new ImportError([issueAt(dataServices, 'the metadata declares no EntityContainer, so nothing is addressable')]);
  return { root, container, ...model, qualify };
}

function indexSchemas(schemas: XmlElement[]): Pick<CsdlModel, 'types' | 'functions' | 'actions'> {
  const types = new Map<string, XmlElement>();
  const functions = new Map<string, XmlElement[]>();
  const actions = new Map<string, XmlElement[]>();
  for (const schema of schemas) {
    const namespace = schema.attrs.Namespace ?? '';
    for (const child of childrenOf(schema, [EDM_NS])) {
      const name = `${namespace}.${child.attrs.Name ?? ''}`;
      if (['EntityType', 'ComplexType', 'EnumType', 'TypeDefinition'].includes(child.local)) types.set(name, child);
      else if (child.local === 'Function') functions.set(name, [...(functions.get(name) ?? []), child]);
      else if (child.local === 'Action') actions.set(name, [...(actions.get(name) ?? []), child]);
    }
  }
  return { types, functions, actions };
}

function qualifyName(name: string, aliases: Map<string, string>): string {
  const collection = /^Collection\((.+)\)$/.exec(name);
  if (collection) return `Collection(${qualifyName(collection[1] as string, aliases)})`;
  const dot = name.lastIndexOf('.');
  const namespace = aliases.get(name.slice(0, dot));
  return namespace === undefined ? name : `${namespace}${name.slice(dot)}`;
}

/** A key property: its URL parameter name (the PropertyRef alias or name) and declaration. */
export interface KeyProperty {
  name: string;
  property: XmlElement;
}

/**
 * The key of an entity type, inherited from the nearest base type that declares one
 * (CSDL §8.2). Throws where the key is missing or names an unknown property.
 */
export function entityKey(model: CsdlModel, entityType: XmlElement): KeyProperty[] {
  const declaring = typeChain(model, entityType).find((type) => childOf(type, [EDM_NS], 'Key'));
  const key = declaring && childOf(declaring, [EDM_NS], 'Key');
  if (!key) throw new ImportError([issueAt(entityType, 'entity type has no key, so its entities cannot be addressed')]);
  return childrenOf(key, [EDM_NS], 'PropertyRef').map((ref) => {
    const path = ref.attrs.Name ?? '';
    const property = findProperty(model, entityType, path);
    if (!property) throw new ImportError([issueAt(ref, `key property ${path} is not a property of the entity type`)]);
    return { name: ref.attrs.Alias ?? path, property };
  });
}

/** Follows a property path (`Address/City` is allowed in keys) through structural properties. */
function findProperty(model: CsdlModel, type: XmlElement, path: string): XmlElement | undefined {
  const [head, ...rest] = path.split('/');
  const property = structuralProperties(model, type).find((p) => p.attrs.Name === head);
  if (!property || rest.length === 0) return property;
  const next = model.types.get(model.qualify(property.attrs.Type ?? ''));
  return next ? findProperty(model, next, rest.join('/')) : undefined;
}

/** The type and its base types, most derived first; stops at a cycle or an unknown base. */
export function typeChain(model: CsdlModel, type: XmlElement): XmlElement[] {
  const chain = [type];
  for (let base = type.attrs.BaseType; base !== undefined;) {
    const next = model.types.get(model.qualify(base));
    if (!next || chain.includes(next)) {
      if (!next) throw new ImportError([issueAt(chain.at(-1) as XmlElement, `base type ${base} is not defined`)]);
      break;
    }
    chain.push(next);
    base = next.attrs.BaseType;
  }
  return chain;
}

/** Structural properties, base type's first, as a client sees them in a payload. */
export function structuralProperties(model: CsdlModel, type: XmlElement): XmlElement[] {
  return typeChain(model, type)
    .reverse()
    .flatMap((t) => childrenOf(t, [EDM_NS], 'Property'));
}

/** The `Core.Description` annotation of an element ('' when none), whichever way the vocabulary is named. */
export function descriptionOf(element: XmlElement): string {
  const annotation = childrenOf(element, [EDM_NS], 'Annotation').find((a) =>
    /(^|\.)(Core|Org\.OData\.Core\.V1)\.Description$/.test(a.attrs.Term ?? ''),
  );
  if (!annotation) return '';
  return annotation.attrs.String ?? childOf(annotation, [EDM_NS], 'String')?.text ?? '';
}
