// Reference 128-d embeddings from face-api's own FaceRecognitionNet (tfjs, CPU backend) for 150x150 RGB PNG chips.
// Usage (from a folder where the npm packages of README.md are installed):
//   node <repo>/tools/face-reference/embed.cjs <model folder> <output.json> <chip.png>...
// Prints nothing secret; writes the raw (not normalised) float32 embeddings as JSON numbers.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { createRequire } = require('module');

// Resolve the packages from the current folder, not from this script's folder (node_modules is never committed).
const local = createRequire(path.join(process.cwd(), 'noop.js'));
const faceapi = local('@vladmandic/face-api/dist/face-api.node-wasm.js');
const { PNG } = local('pngjs');
const tf = faceapi.tf;

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function main() {
  const [modelDir, output, ...chips] = process.argv.slice(2);
  if (!modelDir || !output || chips.length === 0) {
    console.error('usage: node embed.cjs <model folder> <output.json> <chip.png>...');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);

  const results = [];
  for (const chip of chips) {
    const png = PNG.sync.read(fs.readFileSync(chip));
    if (png.width !== 150 || png.height !== 150) throw new Error(`${chip}: expected 150x150, got ${png.width}x${png.height}`);
    const rgb = new Int32Array(150 * 150 * 3);
    for (let i = 0; i < 150 * 150; i++) {
      rgb[3 * i] = png.data[4 * i];
      rgb[3 * i + 1] = png.data[4 * i + 1];
      rgb[3 * i + 2] = png.data[4 * i + 2];
    }
    const input = tf.tensor3d(rgb, [150, 150, 3], 'int32');
    const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
    input.dispose();
    results.push({ file: path.basename(chip), sha256: sha256(chip), embedding: Array.from(descriptor) });
  }

  const manifest = path.join(modelDir, 'face_recognition_model-weights_manifest.json');
  const bin = path.join(modelDir, 'face_recognition_model.bin');
  const report = {
    generator: 'tools/face-reference/embed.cjs',
    faceApiVersion: faceapi.version,
    tfjsVersion: tf.version_core,
    backend: tf.getBackend(),
    input: 'RGB 0-255, 150x150, fed as a tf.Tensor3D to FaceRecognitionNet.computeFaceDescriptor (no resize at 150x150)',
    output: 'raw 128-d float32 descriptor (not L2-normalised)',
    model: {
      manifest: { file: path.basename(manifest), sha256: sha256(manifest) },
      weights: { file: path.basename(bin), sha256: sha256(bin) },
    },
    chips: results,
  };
  fs.writeFileSync(output, JSON.stringify(report, null, 2) + '\n');
  for (const r of results) {
    const norm = Math.sqrt(r.embedding.reduce((s, v) => s + v * v, 0));
    console.log(`${r.file}: norm ${norm.toFixed(6)} first ${r.embedding.slice(0, 3).map((v) => v.toFixed(6)).join(', ')}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
