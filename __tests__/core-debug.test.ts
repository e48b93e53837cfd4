import { format } from 'node:util';
import createDebug from 'debug';
import request from 'supertest';
import express from 'express';
import { AUTH, USER, createApp, credentials, textEvent } from './helpers/app';

describe("debug('innopaas-webhook') logs every decision and never a credential", () => {
  const lines: string[] = [];
  const originalLog = createDebug.log;
  beforeAll(() => {
    createDebug.enable('innopaas-webhook*');
    createDebug.log = (...args: unknown[]) => {
      lines.push(format(...args));
    };
  });
  afterAll(() => {
    createDebug.disable();
    createDebug.log = originalLog;
  });

  test('creation, 401, event, duplicate, invalid and handler failure are logged, redacted', async () => {
    const { app } = createApp(express, {
      on: {
        whatsapp_mo_message_received: (event) => {
          if (event.body.type === 'text' && event.body.text.body === 'fail') throw new Error(`leak ${AUTH}`);
        },
      },
    });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await request(app)
      .post('/webhook')
      .set({ UserName: USER, Authorization: `${AUTH}x` })
      .send(textEvent())
      .expect(401);
    await request(app).post('/webhook').set(credentials).send({ id: 'x' }).expect(400);
    await request(app).post('/webhook').set(credentials).send(textEvent('fail')).expect(500);
    const output = lines.join('\n');
    expect(output).toMatch(/created with/);
    expect(output).toMatch(/\[redacted\]/);
    expect(output).toMatch(/401: credentials missing or wrong/);
    expect(output).toMatch(new RegExp(`event whatsapp_mo_message_received id=${String(event.id)}`));
    expect(output).toMatch(/200 duplicate/);
    expect(output).toMatch(/400 invalid_envelope/);
    expect(output).toMatch(/failed: The whatsapp_mo_message_received handler failed: Error: leak \[redacted\]/);
    expect(output).not.toContain(AUTH);
    expect(output).not.toContain(USER);
  });
});
