/**
 * The camera for the Camera view: whether this page may use one at all, opening it (the user-facing
 * or the environment-facing camera, or one picked by id) at 640×480, the cameras there are, and a
 * plain message for every way getUserMedia fails. It does not read frames (CameraView does) and
 * never keeps a stream: whoever opens one stops its tracks (stopStream).
 */

export type Facing = 'user' | 'environment';

/** A camera the picker can offer; labels are empty until the user has granted permission once. */
export interface CameraDevice {
  deviceId: string;
  label: string;
}

/** The parts of `navigator` and `window` this module reads (tests pass their own). */
export interface CameraHost {
  mediaDevices?: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'> | undefined;
  isSecureContext: boolean;
  origin: string;
}

export function browserHost(): CameraHost {
  // navigator.mediaDevices is undefined on pages that are not a secure context
  const md = (navigator as { mediaDevices?: MediaDevices }).mediaDevices;
  return { mediaDevices: md, isSecureContext: window.isSecureContext, origin: location.origin };
}

/** Why this page cannot use a camera at all, or null when it can try. */
export function cameraUnavailable(host: CameraHost): string | null {
  if (host.mediaDevices && typeof host.mediaDevices.getUserMedia === 'function') return null;
  if (!host.isSecureContext) {
    return (
      `Browsers only offer the camera to secure pages, and ${host.origin} is not one. ` +
      'Open the explorer at http://localhost:PORT or http://127.0.0.1:PORT on this computer, or serve it over https ' +
      '(from a phone: a tunnel or reverse proxy with a certificate).'
    );
  }
  return 'This browser offers no camera access (navigator.mediaDevices.getUserMedia is missing). Try a current Chrome, Edge, Firefox or Safari.';
}

/** The constraints for one camera: by id when picked, else by the side it faces; 640×480 wanted, not demanded. */
export function cameraConstraints(choice: { deviceId: string | null; facing: Facing }): MediaStreamConstraints {
  const size = { width: { ideal: 640 }, height: { ideal: 480 } };
  const video: MediaTrackConstraints = choice.deviceId ? { ...size, deviceId: { exact: choice.deviceId } } : { ...size, facingMode: { ideal: choice.facing } };
  return { video, audio: false };
}

/** Opens the camera; rejects with the browser's error (cameraErrorMessage says what it means). */
export function openCamera(host: CameraHost, choice: { deviceId: string | null; facing: Facing }): Promise<MediaStream> {
  const why = cameraUnavailable(host);
  if (why || !host.mediaDevices) return Promise.reject(new CameraUnavailableError(why ?? 'no camera access'));
  return host.mediaDevices.getUserMedia(cameraConstraints(choice));
}

export class CameraUnavailableError extends Error {
  override name = 'CameraUnavailableError';
}

/** The video inputs, in the browser's order; none before permission, when browsers hide their ids. */
export async function listCameras(host: CameraHost): Promise<CameraDevice[]> {
  if (!host.mediaDevices || typeof host.mediaDevices.enumerateDevices !== 'function') return [];
  const all = await host.mediaDevices.enumerateDevices();
  return all
    .filter((d) => d.kind === 'videoinput')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `camera ${i + 1}` }))
    .filter((d) => d.deviceId !== '');
}

export function stopStream(stream: MediaStream | null): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}

/** What a failed getUserMedia means for the person in front of the screen, and what to do. */
export function cameraErrorMessage(e: unknown): string {
  const name = typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
  const detail = e instanceof Error && e.message ? e.message : String(e);
  switch (name) {
    case 'CameraUnavailableError':
      return detail;
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return "Camera permission was denied. Allow the camera for this page (the camera icon in the address bar, or the browser's site settings) and press Start camera again.";
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return 'No camera was found. Connect one (or enable it in the system settings) and press Start camera again.';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'The camera could not be started: another application (or another tab) is probably using it. Close it and press Start camera again.';
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return 'The chosen camera is not available any more, or cannot give a picture. Pick another camera, or the front or back one, and press Start camera again.';
    default:
      return `The camera could not be started (${name || 'error'}: ${detail}).`;
  }
}
