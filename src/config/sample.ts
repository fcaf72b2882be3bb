// Renders config/config.sample.yaml from the schema, so the sample documents
// every key with its description and default and can never drift from the code.
import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { ConfigSchema } from './schema.ts';

interface Documented {
  description?: string;
  default?: unknown;
  examples?: unknown[];
  properties?: Record<string, TSchema>;
  anyOf?: { const?: unknown }[];
}

function scalar(value: unknown): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

function renderLeaf(key: string, schema: Documented, indent: string): string[] {
  const lines: string[] = [];
  if (schema.description) lines.push(`${indent}# ${schema.description}`);
  const choices = schema.anyOf?.map((option) => option.const).filter((c) => c !== undefined);
  if (choices && choices.length > 0) lines.push(`${indent}# One of: ${choices.map(String).join(', ')}.`);
  const hasDefault = 'default' in schema;
  if (hasDefault) lines.push(`${indent}# Default: ${scalar(schema.default)}`);
  else lines.push(`${indent}# Required.`);
  const value = hasDefault ? schema.default : schema.examples?.[0];
  const rendered = scalar(value);
  lines.push(rendered.includes('\n') ? `${indent}${key}:\n${rendered.replace(/^/gm, indent + '  ')}` : `${indent}${key}: ${rendered}`);
  return lines;
}

export function renderSampleConfig(): string {
  const header = [
    '# Hearth configuration. Generated from src/config/schema.ts by `hearth sample-config`;',
    '# do not edit by hand: a test fails when this file and the schema disagree.',
    '# Keys marked "Required" have no default: the value shown is an example.',
    '',
  ];
  const sections = Object.entries(ConfigSchema.properties).flatMap(([section, schema]) => {
    const properties = (schema as Documented).properties ?? {};
    const leaves = Object.entries(properties).flatMap(([key, leaf]) => [...renderLeaf(key, leaf as Documented, '  '), '']);
    return [`${section}:`, ...leaves];
  });
  return [...header, ...sections].join('\n').trimEnd() + '\n';
}
