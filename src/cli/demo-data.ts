import type { DataSource } from 'typeorm';

export async function seedDemo(_dataSource: DataSource, _options: { onlyIfEmpty: boolean }): Promise<void> {
  throw new Error('demo data: not written yet');
}
