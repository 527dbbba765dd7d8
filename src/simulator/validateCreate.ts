/**
 * Validation of a create body (contract §4). Internal to the simulator.
 * Which 4xx Graph sends for a malformed id, a missing field or an unknown
 * property is not documented; the simulator answers 400 `invalidRequest`
 * with a message naming the property, what was expected and what arrived.
 */
import {
  DEVICE_IMAGE_PROPERTIES,
  type GraphCreateDeviceImage,
} from '../datasource/graphModel.js';
import { GraphHttpError } from './GraphHttpError.js';

const WRITABLE = ['displayName', 'version', 'sourceImageResourceId'];

/** Major(int).Minor(int).Patch(int), each part at most nine digits. */
const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}$/;

/**
 * A managed image or an Azure Compute Gallery image version. The
 * subscription segment is not checked as a GUID: Microsoft's own examples
 * use `0ac520ee-14c0-480f-b6c9-0a90c58ffff`, which a strict check rejects.
 */
const SOURCE_ID =
  /^\/subscriptions\/[^/\s]+\/resourceGroups\/[^/\s]+\/providers\/Microsoft\.Compute\/(?:images\/[^/\s]+|galleries\/[^/\s]+\/images\/[^/\s]+\/versions\/[^/\s]+)$/i;

const SOURCE_ID_FORMS =
  '/subscriptions/{subscription-id}/resourceGroups/{resourceGroupName}/' +
  'providers/Microsoft.Compute/images/{imageName} or …/providers/' +
  'Microsoft.Compute/galleries/{gallery}/images/{definition}/versions/{version}';

function invalid(message: string): GraphHttpError {
  return new GraphHttpError(400, 'invalidRequest', message);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Parses and checks a create body; throws a 400 on the first problem. */
export function validateCreate(text: string): GraphCreateDeviceImage {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalid(
      `The request body is not valid JSON (${(error as Error).message}); ` +
        'expected a cloudPcDeviceImage object.',
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(
      `The request body must be a JSON object, got ${describe(body)}.`,
    );
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === '@odata.type') {
      if (record[key] !== '#microsoft.graph.cloudPcDeviceImage') {
        throw invalid(
          `'@odata.type' must be '#microsoft.graph.cloudPcDeviceImage', ` +
            `got ${describe(record[key])}.`,
        );
      }
    } else if ((DEVICE_IMAGE_PROPERTIES as readonly string[]).includes(key)) {
      if (!WRITABLE.includes(key)) {
        throw invalid(
          `Property '${key}' is read-only and cannot be set on create; ` +
            `writable properties: ${WRITABLE.join(', ')}.`,
        );
      }
    } else {
      throw invalid(
        `Property '${key}' does not exist on type ` +
          `'microsoft.graph.cloudPcDeviceImage'; writable properties: ` +
          `${WRITABLE.join(', ')}.`,
      );
    }
  }
  const { displayName, version, sourceImageResourceId } = record;
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw invalid(
      `'displayName' is required: expected a non-empty string, got ` +
        `${describe(displayName)}.`,
    );
  }
  if (typeof version !== 'string' || !VERSION.test(version)) {
    throw invalid(
      `'version' is required: expected Major(int).Minor(int).Patch(int) ` +
        `such as '0.0.1' or '1.5.13', got ${describe(version)}.`,
    );
  }
  if (
    typeof sourceImageResourceId !== 'string' ||
    !SOURCE_ID.test(sourceImageResourceId)
  ) {
    throw invalid(
      `'sourceImageResourceId' is required: expected an ARM id of the form ` +
        `${SOURCE_ID_FORMS}, got ${describe(sourceImageResourceId)}.`,
    );
  }
  return { displayName, version, sourceImageResourceId };
}
