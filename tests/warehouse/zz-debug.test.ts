import { PostgresWarehouse } from '../../lib/warehouse/postgres';
import { copyRawPart } from './copy-cases';
import { startTestPostgres } from './postgres-server';
it('times close', async () => {
  const server = await startTestPostgres();
  const warehouse = new PostgresWarehouse(server.url);
  await warehouse.query('select 1');
  await copyRawPart(warehouse, 'copy_test', '{"case_name":"ok"}\nnot json\n').catch(() => undefined);
  let t = Date.now();
  await warehouse.close();
  console.log('close ms', Date.now() - t);
  t = Date.now();
  await server.stop();
  console.log('stop ms', Date.now() - t);
}, 120000);
