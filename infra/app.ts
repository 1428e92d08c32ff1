/**
 * CDK entry point (`cdk.json` runs it with tsx). Context keys are documented in infra/config.ts
 * and infra/README.md.
 */
import { App } from 'aws-cdk-lib';
import { createMailroom } from './mailroom.js';

const app = new App();
createMailroom(app);
app.synth();
