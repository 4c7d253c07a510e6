/**
 * `convscope export`: a model (shipped, .safetensors or .onnx) written as ONNX, for ONNX Runtime
 * and everything built on it, or as a convscope .safetensors model file (an imported ONNX model
 * comes back to the engine's own format). Writes atomically; prints what it wrote.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { readModelFile, writeModelFile } from '../io/node-model-file.js';
import { resolveModelFile } from '../io/node-paths.js';
import { writeFileAtomic } from '../io/node-atomic-write.js';
import { DEFAULT_OPSET, ONNX_INPUT, ONNX_OUTPUT, exportOnnx } from '../io/onnx/onnx-export.js';
import type { CliIo } from './io.js';
import { intOption } from './options.js';

interface ExportFlags {
  model: string;
  format: 'onnx' | 'safetensors';
  out: string;
  opset?: number;
}

export function exportCommand(io: CliIo): Command {
  return new Command('export')
    .description('write a model as ONNX (for ONNX Runtime, PyTorch, C++, mobile, Triton) or as a convscope .safetensors file')
    .requiredOption('--model <name|file>', 'a shipped model name, a .safetensors or an .onnx file')
    .addOption(new Option('--format <format>', 'onnx or safetensors').choices(['onnx', 'safetensors']).default('onnx'))
    .requiredOption('--out <file>', 'where to write it')
    .option('--opset <n>', `ONNX opset (13..21; 16+ for the mlp's deskew; default ${DEFAULT_OPSET})`, intOption('--opset'))
    .action(async (flags: ExportFlags) => {
      const path = resolveModelFile(flags.model, io.cwd);
      const { model, metadata } = await readModelFile(path);
      const out = resolve(io.cwd, flags.out);
      if (flags.format === 'onnx') {
        const bytes = exportOnnx(model, { metadata, ...(flags.opset !== undefined ? { opset: flags.opset } : {}) });
        await writeFileAtomic(out, bytes);
        io.out(`wrote ${out} (ONNX opset ${flags.opset ?? DEFAULT_OPSET}, ${bytes.length.toLocaleString('en-US')} bytes): input '${ONNX_INPUT}' [N,${model.inputShape.join(',')}] raw pixels in 0..1, output '${ONNX_OUTPUT}' [N,${model.outputShape.join(',')}]\n`);
      } else {
        if (flags.opset !== undefined) io.err('convscope: --opset applies to --format onnx only; ignored\n');
        await writeModelFile(out, model, metadata);
        io.out(`wrote ${out} (convscope safetensors model file)\n`);
      }
    });
}
