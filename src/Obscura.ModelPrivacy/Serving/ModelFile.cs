using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// The <c>.obm</c> file of an Obscura-trained <see cref="Classifier"/>: the magic <c>OBSM</c>, a format version
/// (little-endian u16, now <see cref="CurrentVersion"/>), a reserved u16 (0), the UTF-8 JSON header's length (u32) and
/// the header (<see cref="ModelMetadata"/>), the parameters as little-endian float32 (exactly
/// <see cref="Classifier.ParameterCount"/> of them), and the SHA-256 of every byte before it. A reader checks all of
/// it before a single parameter is used; the registry also records the SHA-256 of the whole file and refuses a file
/// that no longer has it.
/// </summary>
public static class ModelFile
{
    /// <summary>The format version written.</summary>
    public const ushort CurrentVersion = 1;

    /// <summary>The largest header accepted (bytes).</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>The largest parameter count accepted (400 MB of float32).</summary>
    public const int MaxParameters = 100_000_000;

    private const int PrefixBytes = 12;
    private static ReadOnlySpan<byte> Magic => "OBSM"u8;

    /// <summary>The file's bytes for <paramref name="model"/> with <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">The parameters do not fit the model or are not finite.</exception>
    public static byte[] Serialize(Classifier model, ReadOnlySpan<float> parameters, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        CheckParameters(model, parameters);
        var header = JsonSerializer.SerializeToUtf8Bytes(new Header(model.Inputs, model.Classes, model.Hidden, model.ParameterCount, metadata.CreatedAt, metadata.Epsilon, metadata.Delta, metadata.TrainingExamples));
        var bytes = new byte[PrefixBytes + header.Length + (4 * parameters.Length) + SHA256.HashSizeInBytes];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), CurrentVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        header.CopyTo(bytes, PrefixBytes);
        var offset = PrefixBytes + header.Length;
        for (var i = 0; i < parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset + (4 * i)), parameters[i]);
        }

        SHA256.HashData(bytes.AsSpan(0, bytes.Length - SHA256.HashSizeInBytes), bytes.AsSpan(bytes.Length - SHA256.HashSizeInBytes));
        return bytes;
    }

    /// <summary>Writes the file atomically (a temporary file renamed over <paramref name="path"/>); returns its SHA-256 (hex).</summary>
    public static string Write(string path, Classifier model, ReadOnlySpan<float> parameters, ModelMetadata metadata)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = Serialize(model, parameters, metadata);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>Reads and checks the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid model file (the message says what is wrong).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SavedModel Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var length = new FileInfo(path).Length;
        if (length > PrefixBytes + MaxHeaderBytes + (4L * MaxParameters) + SHA256.HashSizeInBytes)
        {
            throw new InvalidDataException($"'{Path.GetFileName(path)}' is {length} bytes, larger than any model file.");
        }

        return Parse(File.ReadAllBytes(path));
    }

    /// <summary>Checks and parses a model file's bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid model file (the message says what is wrong).</exception>
    public static SavedModel Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < PrefixBytes + SHA256.HashSizeInBytes || !bytes[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not an Obscura model file (no 'OBSM' header): write one with 'obscura train --out'.");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != CurrentVersion)
        {
            throw new InvalidDataException($"The model file has format version {version}; this build of Obscura reads version {CurrentVersion}.");
        }

        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (headerLength is 0 or > MaxHeaderBytes || PrefixBytes + headerLength + SHA256.HashSizeInBytes > bytes.Length)
        {
            throw new InvalidDataException("The model file is truncated or its header length is corrupt.");
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes[..^SHA256.HashSizeInBytes], digest);
        if (!CryptographicOperations.FixedTimeEquals(digest, bytes[^SHA256.HashSizeInBytes..]))
        {
            throw new InvalidDataException("The model file's checksum does not match its content: it is truncated or was changed after it was written.");
        }

        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(bytes.Slice(PrefixBytes, (int)headerLength))
                ?? throw new InvalidDataException("The model file's header is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The model file's header is not valid JSON: {ex.Message}");
        }

        if (header.Inputs < 1 || header.Classes < 2 || header.Hidden < 0 || header.Inputs > 1_000_000 || header.Classes > 100_000 || header.Hidden > 1_000_000)
        {
            throw new InvalidDataException("The model file's shape (inputs ≥ 1, classes ≥ 2, hidden ≥ 0) is out of range.");
        }

        // In 64 bits: a forged shape must not overflow (or wrap) the count before it is compared.
        var last = header.Hidden == 0 ? header.Inputs : header.Hidden;
        var expected = (header.Hidden == 0 ? 0 : ((long)header.Hidden * header.Inputs) + header.Hidden) + ((long)header.Classes * last) + header.Classes;
        if (header.Parameters != expected || expected > MaxParameters)
        {
            throw new InvalidDataException($"The model file declares {header.Parameters} parameters; a {header.Inputs}-{header.Hidden}-{header.Classes} classifier has {expected}.");
        }

        var model = new Classifier(header.Inputs, header.Classes, header.Hidden);

        var body = bytes[(PrefixBytes + (int)headerLength)..^SHA256.HashSizeInBytes];
        if (body.Length != 4L * model.ParameterCount)
        {
            throw new InvalidDataException($"The model file holds {body.Length / 4} parameters; its header declares {model.ParameterCount}.");
        }

        var parameters = new float[model.ParameterCount];
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(4 * i)..]);
            if (!float.IsFinite(parameters[i]))
            {
                throw new InvalidDataException("The model file holds a parameter that is not a finite number.");
            }
        }

        var metadata = new ModelMetadata(header.CreatedAt, header.Epsilon, header.Delta, header.TrainingExamples);
        return new SavedModel(model, parameters, metadata, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>Throws unless <paramref name="parameters"/> are exactly <paramref name="model"/>'s count, all finite.</summary>
    /// <exception cref="ArgumentException">They are not.</exception>
    internal static void CheckParameters(Classifier model, ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != model.ParameterCount)
        {
            throw new ArgumentException($"The model has {model.ParameterCount} parameters, not {parameters.Length}.", nameof(parameters));
        }

        foreach (var p in parameters)
        {
            if (!float.IsFinite(p))
            {
                throw new ArgumentException("Every parameter is a finite number.", nameof(parameters));
            }
        }
    }

    private sealed record Header(int Inputs, int Classes, int Hidden, int Parameters, DateTimeOffset CreatedAt, double? Epsilon, double? Delta, int TrainingExamples);

    /// <summary>The header's encoding, for tests that forge one.</summary>
    internal static byte[] EncodeHeader(int inputs, int classes, int hidden, int parameters) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Header(inputs, classes, hidden, parameters, DateTimeOffset.UnixEpoch, null, null, 0)));
}
