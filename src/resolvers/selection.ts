/**
 * Works out which Graph properties a query needs, so the datasource can ask
 * for exactly those with `$select` (graph-contract.md §1, "Query options").
 * Fragments, inline fragments and aliases are followed; `@skip`/`@include`
 * are ignored, which can only widen the selection, never narrow it.
 */
import { Kind } from 'graphql';
import type {
  FragmentDefinitionNode,
  GraphQLResolveInfo,
  SelectionSetNode,
} from 'graphql';

import {
  DEVICE_IMAGE_PROPERTIES,
  type DeviceImageProperty,
} from '../datasource/graphModel.js';

const PROPERTIES = new Set<string>(DEVICE_IMAGE_PROPERTIES);

/**
 * GraphQL fields of `CloudPcDeviceImage` answered from more than their own
 * Graph property: `statusDetails` falls back to `errorCode` (see enums.ts).
 */
const EXTRA_PROPERTIES: Record<string, readonly DeviceImageProperty[]> = {
  statusDetails: ['statusDetails', 'errorCode'],
};

type Fragments = Record<string, FragmentDefinitionNode>;

/** Names of the fields directly in `set`, flattening fragments. */
function fieldsOf(
  set: SelectionSetNode | undefined,
  fragments: Fragments,
  visit: (name: string, child: SelectionSetNode | undefined) => void,
  seen: Set<string> = new Set(),
): void {
  if (!set) return;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      visit(selection.name.value, selection.selectionSet);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fieldsOf(selection.selectionSet, fragments, visit, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      // A fragment spread twice adds nothing the second time.
      if (fragment && !seen.has(name)) {
        seen.add(name);
        fieldsOf(fragment.selectionSet, fragments, visit, seen);
      }
    }
  }
}

/**
 * The Graph properties selected on the image objects reached from the
 * current field by `path` (e.g. `['edges', 'node']` from `deviceImages`);
 * an empty path means the field itself is the image. Always includes `id`.
 */
export function selectedImageProperties(
  info: GraphQLResolveInfo,
  paths: readonly (readonly string[])[] = [[]],
): DeviceImageProperty[] {
  const selected = new Set<DeviceImageProperty>(['id']);
  const collect = (set: SelectionSetNode | undefined, path: string[]) => {
    if (path.length === 0) {
      fieldsOf(set, info.fragments, (name) => {
        for (const property of EXTRA_PROPERTIES[name] ?? [name]) {
          if (PROPERTIES.has(property)) {
            selected.add(property as DeviceImageProperty);
          }
        }
      });
      return;
    }
    const [head, ...rest] = path;
    fieldsOf(set, info.fragments, (name, child) => {
      if (name === head) collect(child, rest);
    });
  };
  for (const node of info.fieldNodes) {
    for (const path of paths) collect(node.selectionSet, [...path]);
  }
  // Keep Graph's property order so equal selections make equal requests.
  return DEVICE_IMAGE_PROPERTIES.filter((property) => selected.has(property));
}

/** Whether the current field selects `name` directly (through fragments). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  let found = false;
  for (const node of info.fieldNodes) {
    fieldsOf(node.selectionSet, info.fragments, (field) => {
      if (field === name) found = true;
    });
  }
  return found;
}
