using CsCheck;

namespace Obscura.Homomorphic.Tests;

/// <summary>The fuzz inputs both serialisers are tested with, and the check that parsing fails only one way.</summary>
internal static class SerializerFuzz
{
    /// <summary>
    /// Random bytes behind a valid magic and version, truncations, single-byte insertions and substitutions of valid
    /// serialisations, and short random arrays.
    /// </summary>
    public static Gen<byte[]> Inputs(byte[] magicAndVersion, byte[][] valids)
    {
        var random = Gen.Byte.Array[0, 300].Select(b => (byte[])[.. magicAndVersion, .. b]);
        var mutated = Gen.Select(Gen.Int[0, valids.Length - 1], Gen.Double[0, 1], Gen.Byte, Gen.Int[0, 3]).Select(t =>
        {
            var (which, where, value, how) = t;
            var valid = valids[which];
            var at = Math.Min(valid.Length - 1, (int)(where * valid.Length));
            return how switch
            {
                0 => valid[..at],
                1 => [.. valid[..at], value, .. valid[at..]],
                _ => valid.Select((b, i) => i == at ? value : b).ToArray(),
            };
        });
        return Gen.OneOf(random, mutated, Gen.Byte.Array[0, 64]);
    }

    /// <summary>Runs <paramref name="read"/>: it may succeed or throw <typeparamref name="TFormatException"/>, nothing else.</summary>
    public static void Parse<TFormatException>(Func<object> read)
        where TFormatException : Exception
    {
        try
        {
            read();
        }
        catch (TFormatException)
        {
        }
    }
}
