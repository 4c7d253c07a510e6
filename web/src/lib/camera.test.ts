/** The camera's door: which pages may use one, the constraints asked for, and a message for every getUserMedia failure. */
import { describe, expect, it } from 'vitest';
import { cameraConstraints, cameraErrorMessage, cameraUnavailable, listCameras, openCamera, type CameraHost } from './camera.js';

const md = (over: Partial<Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'>> = {}): CameraHost['mediaDevices'] => ({
  getUserMedia: () => Promise.reject(new Error('not called')),
  enumerateDevices: () => Promise.resolve([]),
  ...over,
});

describe('cameraUnavailable', () => {
  it('lets a secure page with getUserMedia try', () => {
    expect(cameraUnavailable({ mediaDevices: md(), isSecureContext: true, origin: 'http://127.0.0.1:8080' })).toBeNull();
  });

  it('names the page and the way out when it is not a secure context (no navigator.mediaDevices)', () => {
    expect(cameraUnavailable({ mediaDevices: undefined, isSecureContext: false, origin: 'http://192.168.1.20:8080' })).toBe(
      'Browsers only offer the camera to secure pages, and http://192.168.1.20:8080 is not one. Open the explorer at http://localhost:PORT or http://127.0.0.1:PORT on this computer, or serve it over https (from a phone: a tunnel or reverse proxy with a certificate).',
    );
  });

  it('says the browser lacks getUserMedia on a secure page without it', () => {
    expect(cameraUnavailable({ mediaDevices: undefined, isSecureContext: true, origin: 'https://x' })).toMatch(/^This browser offers no camera access/);
  });

  it('openCamera refuses with that message instead of calling anything', async () => {
    await expect(openCamera({ mediaDevices: undefined, isSecureContext: false, origin: 'http://h' }, { deviceId: null, facing: 'user' })).rejects.toMatchObject({
      name: 'CameraUnavailableError',
      message: expect.stringMatching(/^Browsers only offer the camera to secure pages/),
    });
  });
});

describe('cameraConstraints', () => {
  it('asks for 640×480 facing the chosen side, video only, when no camera is picked', () => {
    expect(cameraConstraints({ deviceId: null, facing: 'environment' })).toEqual({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: { ideal: 'environment' } },
      audio: false,
    });
  });

  it('asks for exactly the picked camera, whichever side it faces', () => {
    expect(cameraConstraints({ deviceId: 'abc', facing: 'user' })).toEqual({ video: { width: { ideal: 640 }, height: { ideal: 480 }, deviceId: { exact: 'abc' } }, audio: false });
  });
});

describe('cameraErrorMessage', () => {
  const err = (name: string, message = 'x'): DOMException => new DOMException(message, name);
  it.each([
    ['NotAllowedError', /^Camera permission was denied\. Allow the camera for this page/],
    ['SecurityError', /^Camera permission was denied/],
    ['NotFoundError', /^No camera was found\./],
    ['NotReadableError', /another application \(or another tab\) is probably using it/],
    ['AbortError', /probably using it/],
    ['OverconstrainedError', /^The chosen camera is not available any more/],
  ])('%s → its own message', (name, expected) => {
    expect(cameraErrorMessage(err(name))).toMatch(expected);
  });

  it('anything else says what the browser said', () => {
    expect(cameraErrorMessage(err('TypeError', 'bad constraints'))).toBe('The camera could not be started (TypeError: bad constraints).');
    expect(cameraErrorMessage('boom')).toBe('The camera could not be started (error: boom).');
  });
});

describe('listCameras', () => {
  it('keeps the video inputs with an id, naming those without a label by their place', async () => {
    const devices = [
      { kind: 'audioinput', deviceId: 'm', label: 'mic', groupId: '', toJSON: () => ({}) },
      { kind: 'videoinput', deviceId: 'a', label: 'FaceTime HD', groupId: '', toJSON: () => ({}) },
      { kind: 'videoinput', deviceId: 'b', label: '', groupId: '', toJSON: () => ({}) },
      { kind: 'videoinput', deviceId: '', label: '', groupId: '', toJSON: () => ({}) },
    ] as MediaDeviceInfo[];
    const host: CameraHost = { mediaDevices: md({ enumerateDevices: () => Promise.resolve(devices) }), isSecureContext: true, origin: 'https://x' };
    expect(await listCameras(host)).toEqual([
      { deviceId: 'a', label: 'FaceTime HD' },
      { deviceId: 'b', label: 'camera 2' },
    ]);
  });
});
