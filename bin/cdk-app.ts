import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeployConfig } from '../lib/deploy-config/load';
import { CrossbeamWarehouseStack } from '../lib/stacks/warehouse-stack';

/**
 * The CDK app: reads the deployment settings from the context
 * (cdk.json's `crossbeamWarehouse`, or the file named by
 * `crossbeamWarehouseConfigFile`) and checks the stack with cdk-nag's AWS
 * Solutions rules, whose unacknowledged errors fail the synth.
 */
const app = new App();
const config = loadDeployConfig(app.node);
const stackName =
  (app.node.tryGetContext('crossbeamWarehouseStackName') as
    string | undefined) ?? 'CrossbeamWarehouse';

new CrossbeamWarehouseStack(app, stackName, {
  config,
  description: 'crossbeam-warehouse: scheduled Crossbeam to Redshift refresh',
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
