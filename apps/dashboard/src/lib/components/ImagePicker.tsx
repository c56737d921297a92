'use client';
import { useState, type ChangeEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../errors';
import { useTRPC } from '../trpc';

export interface PickedImage {
  /** A data URL, sent to the server as is (the server sniffs the real type). */
  readonly image: string;
  /** Where it came from, for the caption. */
  readonly name: string;
  /** Referring phrases of a sample scene's objects (empty for uploads). */
  readonly phrases: readonly string[];
}

interface Props {
  readonly onPick: (picked: PickedImage) => void;
  readonly onError: (message: string) => void;
}

/** A file as a data URL (what the API takes as `image`). */
export function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => (typeof reader.result === 'string' ? resolve(reader.result) : reject(new Error(`could not read ${file.name}`)));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

/**
 * An upload or a generated scene. No type check happens here on purpose: the server sniffs the
 * bytes and its refusal says what is wrong, which is more accurate than a file's extension.
 */
export function ImagePicker({ onPick, onError }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [loading, setLoading] = useState(false);

  async function upload(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    if (!file) return;
    try {
      onPick({ image: await readDataUrl(file), name: file.name, phrases: [] });
    } catch (err) {
      onError(errorMessage(err));
    }
  }

  async function sample() {
    setLoading(true);
    try {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const scene = await queryClient.fetchQuery(trpc.grounding.sample.queryOptions({ seed }));
      onPick({ image: scene.image, name: `sample scene #${seed}: ${scene.caption}`, phrases: scene.objects.map((o) => o.phrase) });
    } catch (err) {
      onError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }

  return (
    <div className="picker">
      <label className="field">
        <span>Image (PNG or JPEG)</span>
        <input type="file" data-testid="upload" accept="image/png,image/jpeg" onChange={upload} />
      </label>
      <span className="muted">or</span>
      <button type="button" className="secondary" data-testid="sample-scene" disabled={loading} onClick={sample}>
        {loading ? 'Generating…' : 'Sample scene'}
      </button>
    </div>
  );
}
