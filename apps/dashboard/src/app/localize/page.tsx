'use client';
import { useState, type ChangeEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { readDataUrl } from '../../lib/components/ImagePicker';
import { NumberField, SelectField } from '../../lib/components/Fields';
import { errorMessage } from '../../lib/errors';
import { formatNumber, numberField } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { RoomMap, type MapCamera } from './RoomMap';

const ANY = '(which scene?)';

interface Picked {
  readonly image: string;
  readonly name: string;
  /** The true pose when the image is a test frame. */
  readonly truth?: { readonly scene: string; readonly position: readonly number[]; readonly rotation: readonly number[] };
}

/** Angle between two unit quaternions, degrees. */
function quaternionAngle(p: readonly number[], q: readonly number[]): number {
  const dot = Math.abs(p.reduce((s, v, i) => s + v * q[i], 0));
  return (2 * Math.acos(Math.min(1, dot)) * 180) / Math.PI;
}

export default function LocalizePage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const scenes = useQuery(trpc.localize.scenes.queryOptions());
  const [scene, setScene] = useState<string>(ANY);
  const [index, setIndex] = useState('0');
  const [picked, setPicked] = useState<Picked | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pose = useMutation(trpc.localize.pose.mutationOptions());
  const names = scenes.data?.scenes.map((s) => s.name) ?? [];
  const shownScene = pose.data?.scene ?? picked?.truth?.scene ?? (scene === ANY ? names[0] : scene);
  const info = scenes.data?.scenes.find((s) => s.name === shownScene);

  async function pickFrame() {
    setError(null);
    pose.reset();
    const target = scene === ANY ? names[0] : scene;
    try {
      const f = await queryClient.fetchQuery(trpc.localize.frame.queryOptions({ scene: target, index: numberField(index) ?? 0 }));
      setPicked({ image: f.image, name: `${f.scene} test frame ${f.index}`, truth: { scene: f.scene, position: f.position, rotation: f.rotation } });
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function upload(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    if (!file) return;
    setError(null);
    pose.reset();
    try {
      setPicked({ image: await readDataUrl(file), name: file.name });
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  function localize() {
    if (!picked) return;
    setError(null);
    pose.mutate({ image: picked.image, ...(scene === ANY ? {} : { scene }) }, { onError: (e) => setError(errorMessage(e)) });
  }

  const cameras: MapCamera[] = [];
  if (picked?.truth && picked.truth.scene === shownScene) cameras.push({ position: picked.truth.position, rotation: picked.truth.rotation, label: 'true camera', colour: '#2a7d2a', testId: 'true-camera' });
  if (pose.data) cameras.push({ position: pose.data.position, rotation: pose.data.rotation, label: 'estimated camera', colour: '#c0392b', testId: 'estimated-camera' });
  const truthHere = picked?.truth && pose.data && picked.truth.scene === pose.data.scene ? picked.truth : null;

  return (
    <main>
      <h1>Visual localization</h1>
      <p className="hint">
        One OFVL-MS network for {names.length || 'several'} rooms ({scenes.data ? `${formatNumber(scenes.data.parameters, 0)} parameters stored` : '…'}): it predicts the 3D point seen at each image cell, and PnP-RANSAC finds the camera pose. Pick a held-out test frame or upload an image.
      </p>
      <div className="row">
        <SelectField label="scene" testId="scene" value={scene} options={[ANY, ...names]} onChange={setScene} />
        <NumberField label="test frame" testId="frame-index" value={index} onChange={setIndex} min={0} max={Math.max(0, (info?.testFrames ?? 1) - 1)} />
        <button type="button" data-testid="pick-frame" onClick={pickFrame} disabled={names.length === 0}>
          Load test frame
        </button>
        <label className="field">
          <span>or upload</span>
          <input type="file" accept="image/*" data-testid="upload" onChange={upload} />
        </label>
        <button type="button" data-testid="localize" onClick={localize} disabled={!picked || pose.isPending}>
          {pose.isPending ? 'Localizing…' : 'Localize'}
        </button>
      </div>
      <ErrorAlert message={error ?? (scenes.error ? errorMessage(scenes.error) : null)} />
      <div className="row">
        {picked && (
          <figure>
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src={picked.image} alt={picked.name} data-testid="frame" width={320} style={{ imageRendering: 'pixelated' }} />
            <figcaption>{picked.name}</figcaption>
          </figure>
        )}
        {info && (
          <figure>
            <RoomMap plan={info.plan} trajectory={info.trajectory} cameras={cameras} />
            <figcaption>
              {shownScene}: test trajectory (blue){picked?.truth ? ', true camera (green)' : ''}
              {pose.data ? ', estimate (red)' : ''}
            </figcaption>
          </figure>
        )}
      </div>
      {pose.data && (
        <table className="table" data-testid="pose">
          <tbody>
            <tr>
              <th>scene</th>
              <td data-testid="pose-scene">{pose.data.scene}</td>
            </tr>
            <tr>
              <th>position (m)</th>
              <td data-testid="pose-position">{pose.data.position.map((v) => formatNumber(v, 3)).join(', ')}</td>
            </tr>
            <tr>
              <th>rotation [qw, qx, qy, qz]</th>
              <td>{pose.data.rotation.map((v) => formatNumber(v, 4)).join(', ')}</td>
            </tr>
            <tr>
              <th>inliers</th>
              <td data-testid="pose-inliers">{pose.data.inliers}</td>
            </tr>
            <tr>
              <th>time</th>
              <td>{formatNumber(pose.data.ms, 1)} ms</td>
            </tr>
            {pose.data.candidates && (
              <tr>
                <th>inliers per scene</th>
                <td>{pose.data.candidates.map((c) => `${c.scene}: ${c.inliers}`).join(', ')}</td>
              </tr>
            )}
            {truthHere && (
              <tr>
                <th>error vs truth</th>
                <td data-testid="pose-error">
                  {formatNumber(100 * Math.hypot(...truthHere.position.map((v, i) => v - pose.data.position[i])), 1)} cm, {formatNumber(quaternionAngle(truthHere.rotation, pose.data.rotation), 2)} deg
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </main>
  );
}
