// The app the README's test example imports (`import { app } from '../src/app.js'`).
import express from 'express';
import { innopaasWebhook } from 'innopaas-webhook';

export const app = express();
app.use('/webhook', innopaasWebhook({ userName: 'test-user', authorization: 'test-secret' }));
