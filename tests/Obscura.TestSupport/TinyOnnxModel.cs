using System.Text;

namespace Obscura.TestSupport;

/// <summary>
/// Writes a minimal ONNX model so tests need no download: image [1, 3, H, W] → Flatten → MatMul(W) → embedding
/// [1, d], with W a seeded random [3HW, d] matrix. The protobuf is written field by field (ONNX IR version 8, opset 13).
/// </summary>
public static class TinyOnnxModel
{
    public static float[] Weights(int inputs, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, inputs * dimension).Select(_ => (float)(random.NextDouble() - 0.5))];
    }

    public static byte[] Build(int height, int width, int dimension, float[] weights)
    {
        var inputs = 3 * height * width;
        var graph = new Proto()
            .Message(1, new Proto().String(1, "image").String(2, "flat").String(3, "flatten").String(4, "Flatten").Message(5, new Proto().String(1, "axis").Varint(3, 1).Varint(20, 2)))
            .Message(1, new Proto().String(1, "flat").String(1, "W").String(2, "embedding").String(3, "project").String(4, "MatMul"))
            .String(2, "tiny-face-embedder")
            .Message(5, new Proto().PackedVarints(1, inputs, dimension).Varint(2, 1).String(8, "W").Bytes(9, FloatBytes(weights)))
            .Message(11, ValueInfo("image", 1, 3, height, width))
            .Message(12, ValueInfo("embedding", 1, dimension));
        return new Proto()
            .Varint(1, 8)
            .String(2, "obscura-tests")
            .Message(7, graph)
            .Message(8, new Proto().String(1, string.Empty).Varint(2, 13))
            .ToArray();
    }

    private static Proto ValueInfo(string name, params long[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
        {
            shape.Message(1, new Proto().Varint(1, d));
        }

        return new Proto().String(1, name).Message(2, new Proto().Message(1, new Proto().Varint(1, 1).Message(2, shape)));
    }

    private static byte[] FloatBytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>A protobuf message under construction.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _buffer = new();

        public Proto Varint(int field, long value)
        {
            Key(field, 0);
            WriteVarint((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Bytes(int field, byte[] value)
        {
            Key(field, 2);
            WriteVarint((ulong)value.Length);
            _buffer.Write(value);
            return this;
        }

        public Proto Message(int field, Proto value) => Bytes(field, value.ToArray());

        public Proto PackedVarints(int field, params long[] values)
        {
            var inner = new Proto();
            foreach (var v in values)
            {
                inner.WriteVarint((ulong)v);
            }

            return Bytes(field, inner.ToArray());
        }

        public byte[] ToArray() => _buffer.ToArray();

        private void Key(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _buffer.WriteByte(unchecked((byte)(value | 0x80)));
                value >>= 7;
            }

            _buffer.WriteByte((byte)value);
        }
    }
}
