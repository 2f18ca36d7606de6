import 'reflect-metadata';
import { schemaFile, writeSchemaFile } from '../schema/build-schema';

writeSchemaFile();
process.stdout.write(`wrote ${schemaFile}\n`);
