using System.Buffers.Binary;
using System.IO.Compression;

namespace Obscura.ModelPrivacy.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST (gzipped or not): unsigned-byte images (magic 0x00000803) and
/// labels (0x00000801), big-endian dimensions.
/// </summary>
public static class IdxReader
{
    /// <summary>The largest file accepted (the Fashion-MNIST training images are 47 MB unpacked).</summary>
    public const int MaxBytes = 256 << 20;

    /// <summary>Fashion-MNIST's ten classes, in label order.</summary>
    public static IReadOnlyList<string> FashionMnistClasses { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads <c>PREFIX-images-idx3-ubyte[.gz]</c> and <c>PREFIX-labels-idx1-ubyte[.gz]</c> from <paramref name="folder"/>
    /// (<paramref name="prefix"/> is <c>train</c> or <c>t10k</c>), at most <paramref name="limit"/> images.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is missing, malformed, or images and labels disagree.</exception>
    public static ImageDataset Load(string folder, string prefix, int limit = int.MaxValue)
    {
        var images = ReadFile(Find(folder, $"{prefix}-images-idx3-ubyte"));
        var labels = ReadFile(Find(folder, $"{prefix}-labels-idx1-ubyte"));
        var (count, rows, columns) = ImageHeader(images);
        var labelCount = LabelHeader(labels);
        if (count != labelCount)
        {
            throw new InvalidDataException($"{count} images but {labelCount} labels in {folder} ({prefix}).");
        }

        var n = Math.Min(count, limit);
        var pixels = rows * columns;
        var data = new float[n][];
        var classes = new int[n];
        for (var i = 0; i < n; i++)
        {
            var image = new float[pixels];
            var source = images.AsSpan(16 + (i * pixels), pixels);
            for (var p = 0; p < pixels; p++)
            {
                image[p] = source[p] / 255f;
            }

            data[i] = image;
            classes[i] = labels[8 + i];
        }

        var max = classes.DefaultIfEmpty(0).Max();
        return new ImageDataset(data, classes, pixels, Math.Max(10, max + 1));
    }

    private static string Find(string folder, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidDataException($"{folder} has no {name} or {name}.gz (Fashion-MNIST: Debian package dataset-fashion-mnist, /usr/share/datasets/fashion-mnist).");
    }

    private static byte[] ReadFile(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new InvalidDataException($"{path} unpacks to more than {MaxBytes >> 20} MiB.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static (int Count, int Rows, int Columns) ImageHeader(byte[] bytes)
    {
        if (bytes.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x803)
        {
            throw new InvalidDataException("Not an IDX image file (magic 0x00000803).");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        var columns = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (count < 0 || rows is < 1 or > 1024 || columns is < 1 or > 1024 || 16L + ((long)count * rows * columns) != bytes.Length)
        {
            throw new InvalidDataException($"The IDX image header ({count} × {rows} × {columns}) does not match the file's {bytes.Length} bytes.");
        }

        return (count, rows, columns);
    }

    private static int LabelHeader(byte[] bytes)
    {
        if (bytes.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x801)
        {
            throw new InvalidDataException("Not an IDX label file (magic 0x00000801).");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (count < 0 || 8L + count != bytes.Length)
        {
            throw new InvalidDataException($"The IDX label header ({count}) does not match the file's {bytes.Length} bytes.");
        }

        return count;
    }
}
