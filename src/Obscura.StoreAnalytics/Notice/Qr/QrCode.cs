using System.Globalization;
using System.Text;

namespace Obscura.StoreAnalytics.Notice.Qr;

/// <summary>
/// A QR code symbol (ISO/IEC 18004, Model 2) holding bytes in byte mode, versions 1 to 10: Reed–Solomon error
/// correction over GF(256), codewords interleaved over the blocks, and the one of eight masks with the lowest penalty
/// (the four rules of 7.8.3). Immutable; dark modules are read with <see cref="IsDark"/>.
/// </summary>
public sealed class QrCode
{
    private readonly bool[,] _dark;

    private QrCode(int version, QrErrorCorrection level, int mask, bool[,] dark)
    {
        Version = version;
        ErrorCorrection = level;
        Mask = mask;
        _dark = dark;
    }

    /// <summary>The symbol version (1 to 10).</summary>
    public int Version { get; }

    /// <summary>Modules per side (17 + 4·version), without the quiet zone.</summary>
    public int Size => QrVersion.Size(Version);

    /// <summary>The error correction level.</summary>
    public QrErrorCorrection ErrorCorrection { get; }

    /// <summary>The mask pattern applied (0 to 7), the one with the lowest penalty.</summary>
    public int Mask { get; }

    /// <summary>Whether the module in column <paramref name="x"/> and row <paramref name="y"/> is dark (0,0 is top-left).</summary>
    public bool IsDark(int x, int y) => _dark[y, x];

    /// <summary>Encodes text as UTF-8 bytes in the smallest version that holds it.</summary>
    /// <exception cref="ArgumentException">The text does not fit version 10 at this level.</exception>
    public static QrCode Encode(string text, QrErrorCorrection level = QrErrorCorrection.Medium)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(Encoding.UTF8.GetBytes(text), level);
    }

    /// <summary>Encodes bytes in byte mode in the smallest version (1 to 10) that holds them at <paramref name="level"/>.</summary>
    /// <exception cref="ArgumentException">The data does not fit version 10 at this level.</exception>
    public static QrCode Encode(ReadOnlySpan<byte> data, QrErrorCorrection level = QrErrorCorrection.Medium) => Encode(data, level, null);

    /// <summary>As <see cref="Encode(ReadOnlySpan{byte}, QrErrorCorrection)"/>, with the mask forced (tests decode every mask).</summary>
    internal static QrCode Encode(ReadOnlySpan<byte> data, QrErrorCorrection level, int? forcedMask)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "An error correction level of QrErrorCorrection.");
        }

        var version = 1;
        while (4 + QrVersion.ByteCountBits(version) + (8 * data.Length) > 8 * QrVersion.DataCodewords(version, level))
        {
            if (++version > QrVersion.Max)
            {
                throw new ArgumentException($"{data.Length} bytes do not fit a version-{QrVersion.Max} QR code at level {level} (at most {QrVersion.DataCodewords(QrVersion.Max, level) - 3} bytes): shorten the URL.", nameof(data));
            }
        }

        var codewords = Interleave(version, level, DataCodewords(data, version, level));
        var function = new bool[QrVersion.Size(version), QrVersion.Size(version)];
        var modules = new bool[QrVersion.Size(version), QrVersion.Size(version)];
        DrawFunctionPatterns(version, modules, function);
        PlaceCodewords(codewords, modules, function);

        var bestMask = 0;
        var bestPenalty = int.MaxValue;
        bool[,]? best = null;
        for (var mask = 0; mask < 8; mask++)
        {
            if (forcedMask is { } forced && forced != mask)
            {
                continue;
            }

            var candidate = (bool[,])modules.Clone();
            ApplyMask(mask, candidate, function);
            DrawFormat(level, mask, candidate);
            var penalty = Penalty(candidate);
            if (penalty < bestPenalty)
            {
                (bestMask, bestPenalty, best) = (mask, penalty, candidate);
            }
        }

        return new QrCode(version, level, bestMask, best!);
    }

    /// <summary>
    /// The dark modules as SVG path data in module units, offset by <paramref name="quietZone"/> modules (so the path
    /// fits a viewBox of Size + 2·quietZone): one rectangle per horizontal run of dark modules.
    /// </summary>
    public string ToSvgPath(int quietZone = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quietZone);
        var path = new StringBuilder();
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                if (!_dark[y, x])
                {
                    continue;
                }

                var start = x;
                while (x + 1 < Size && _dark[y, x + 1])
                {
                    x++;
                }

                path.Append(CultureInfo.InvariantCulture, $"M{start + quietZone} {y + quietZone}h{x - start + 1}v1h{-(x - start + 1)}z");
            }
        }

        return path.ToString();
    }

    /// <summary>The 15 format bits: level and mask, BCH(15,5) with generator 0x537, XOR 0x5412 (7.9).</summary>
    internal static int FormatBits(QrErrorCorrection level, int mask)
    {
        var levelBits = level switch
        {
            QrErrorCorrection.Low => 1,
            QrErrorCorrection.Medium => 0,
            QrErrorCorrection.Quartile => 3,
            _ => 2,
        };
        var data = (levelBits << 3) | mask;
        return ((data << 10) | Bch(data << 10, 0x537, 10)) ^ 0x5412;
    }

    /// <summary>The 18 version bits (versions ≥ 7): version and BCH(18,6) with generator 0x1F25 (7.10).</summary>
    internal static int VersionBits(int version) => (version << 12) | Bch(version << 12, 0x1F25, 12);

    /// <summary>The remainder of <paramref name="value"/> divided by the generator polynomial, of degree <paramref name="degree"/>.</summary>
    private static int Bch(int value, int generator, int degree)
    {
        for (var bit = 31; bit >= degree; bit--)
        {
            if ((value >> bit & 1) != 0)
            {
                value ^= generator << (bit - degree);
            }
        }

        return value;
    }

    /// <summary>Mode 0100, the count, the bytes, a terminator of up to four 0 bits, 0 bits to a byte, then 0xEC 0x11 alternately.</summary>
    internal static byte[] DataCodewords(ReadOnlySpan<byte> data, int version, QrErrorCorrection level)
    {
        var capacity = QrVersion.DataCodewords(version, level);
        var bits = new List<bool>(capacity * 8);
        void Append(int value, int count)
        {
            for (var i = count - 1; i >= 0; i--)
            {
                bits.Add((value >> i & 1) != 0);
            }
        }

        Append(0b0100, 4);
        Append(data.Length, QrVersion.ByteCountBits(version));
        foreach (var b in data)
        {
            Append(b, 8);
        }

        Append(0, Math.Min(4, (capacity * 8) - bits.Count));
        Append(0, (8 - (bits.Count % 8)) % 8);
        var codewords = new byte[capacity];
        for (var i = 0; i < bits.Count; i++)
        {
            codewords[i / 8] |= (byte)(bits[i] ? 0x80 >> (i % 8) : 0);
        }

        for (var i = bits.Count / 8; i < capacity; i++)
        {
            codewords[i] = (byte)((i - (bits.Count / 8)) % 2 == 0 ? 0xEC : 0x11);
        }

        return codewords;
    }

    /// <summary>
    /// Splits the data codewords into blocks (the later blocks one codeword longer when they do not divide evenly),
    /// adds each block's error correction, and interleaves: data codeword i of every block in turn, then EC codeword
    /// i of every block in turn.
    /// </summary>
    internal static byte[] Interleave(int version, QrErrorCorrection level, byte[] data)
    {
        var blocks = QrVersion.BlockCount(version, level);
        var ec = QrVersion.EcCodewordsPerBlock(version, level);
        var shortLength = data.Length / blocks;
        var longBlocks = data.Length % blocks;
        var dataBlocks = new byte[blocks][];
        var ecBlocks = new byte[blocks][];
        var offset = 0;
        for (var b = 0; b < blocks; b++)
        {
            var length = shortLength + (b >= blocks - longBlocks ? 1 : 0);
            dataBlocks[b] = data[offset..(offset + length)];
            ecBlocks[b] = GaloisField.Remainder(dataBlocks[b], ec);
            offset += length;
        }

        var result = new List<byte>(QrVersion.Codewords(version));
        for (var i = 0; i <= shortLength; i++)
        {
            foreach (var block in dataBlocks)
            {
                if (i < block.Length)
                {
                    result.Add(block[i]);
                }
            }
        }

        for (var i = 0; i < ec; i++)
        {
            foreach (var block in ecBlocks)
            {
                result.Add(block[i]);
            }
        }

        return [.. result];
    }

    private static void DrawFunctionPatterns(int version, bool[,] modules, bool[,] function)
    {
        var size = QrVersion.Size(version);
        void Set(int x, int y, bool dark)
        {
            modules[y, x] = dark;
            function[y, x] = true;
        }

        // Timing patterns first; finders and alignment patterns overwrite their ends.
        for (var i = 0; i < size; i++)
        {
            Set(6, i, i % 2 == 0);
            Set(i, 6, i % 2 == 0);
        }

        // Finder patterns with their light separators (a 9 × 9 square clipped to the symbol).
        foreach (var (cx, cy) in new[] { (3, 3), (size - 4, 3), (3, size - 4) })
        {
            for (var dy = -4; dy <= 4; dy++)
            {
                for (var dx = -4; dx <= 4; dx++)
                {
                    var (x, y) = (cx + dx, cy + dy);
                    if (x >= 0 && x < size && y >= 0 && y < size)
                    {
                        var ring = Math.Max(Math.Abs(dx), Math.Abs(dy));
                        Set(x, y, ring != 2 && ring != 4);
                    }
                }
            }
        }

        var centres = QrVersion.AlignmentCentres(version);
        foreach (var cy in centres)
        {
            foreach (var cx in centres)
            {
                // Not where a finder pattern is.
                if ((cx == 6 && cy == 6) || (cx == 6 && cy == centres[^1]) || (cx == centres[^1] && cy == 6))
                {
                    continue;
                }

                for (var dy = -2; dy <= 2; dy++)
                {
                    for (var dx = -2; dx <= 2; dx++)
                    {
                        Set(cx + dx, cy + dy, Math.Max(Math.Abs(dx), Math.Abs(dy)) != 1);
                    }
                }
            }
        }

        // Reserve the format areas (written per mask) and the dark module.
        for (var i = 0; i < 9; i++)
        {
            function[8, i] = function[i, 8] = true;
        }

        for (var i = 0; i < 8; i++)
        {
            function[8, size - 1 - i] = function[size - 1 - i, 8] = true;
        }

        Set(8, size - 8, true);

        if (version >= 7)
        {
            var bits = VersionBits(version);
            for (var i = 0; i < 18; i++)
            {
                var dark = (bits >> i & 1) != 0;
                var (a, b) = (size - 11 + (i % 3), i / 3);
                Set(a, b, dark);
                Set(b, a, dark);
            }
        }
    }

    /// <summary>Writes the codewords' bits, most significant first, in two-module columns from the bottom right, up and down in turn, skipping column 6.</summary>
    private static void PlaceCodewords(byte[] codewords, bool[,] modules, bool[,] function)
    {
        var size = modules.GetLength(0);
        var bit = 0;
        var total = codewords.Length * 8;
        var upward = true;
        for (var right = size - 1; right >= 1; right -= 2, upward = !upward)
        {
            if (right == 6)
            {
                right = 5;
            }

            for (var step = 0; step < size; step++)
            {
                var y = upward ? size - 1 - step : step;
                for (var j = 0; j < 2; j++)
                {
                    var x = right - j;
                    if (!function[y, x] && bit < total)
                    {
                        modules[y, x] = (codewords[bit / 8] >> (7 - (bit % 8)) & 1) != 0;
                        bit++;
                    }
                }
            }
        }
    }

    /// <summary>Whether mask <paramref name="mask"/> inverts the module in row i, column j (Table 10).</summary>
    internal static bool MaskInverts(int mask, int i, int j) => mask switch
    {
        0 => (i + j) % 2 == 0,
        1 => i % 2 == 0,
        2 => j % 3 == 0,
        3 => (i + j) % 3 == 0,
        4 => ((i / 2) + (j / 3)) % 2 == 0,
        5 => ((i * j) % 2) + ((i * j) % 3) == 0,
        6 => (((i * j) % 2) + ((i * j) % 3)) % 2 == 0,
        _ => (((i + j) % 2) + ((i * j) % 3)) % 2 == 0,
    };

    private static void ApplyMask(int mask, bool[,] modules, bool[,] function)
    {
        var size = modules.GetLength(0);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (!function[y, x] && MaskInverts(mask, y, x))
                {
                    modules[y, x] = !modules[y, x];
                }
            }
        }
    }

    /// <summary>Both copies of the format bits: around the top-left finder, and split between the other two.</summary>
    private static void DrawFormat(QrErrorCorrection level, int mask, bool[,] modules)
    {
        var size = modules.GetLength(0);
        var bits = FormatBits(level, mask);
        bool Bit(int i) => (bits >> i & 1) != 0;

        // Bit 14 is the most significant. Top-left: bits 0–7 down column 8 (skipping the timing row), 8–14 along row 8 leftwards.
        for (var i = 0; i <= 5; i++)
        {
            modules[i, 8] = Bit(i);
        }

        modules[7, 8] = Bit(6);
        modules[8, 8] = Bit(7);
        modules[8, 7] = Bit(8);
        for (var i = 9; i < 15; i++)
        {
            modules[8, 14 - i] = Bit(i);
        }

        // The other copy: bits 0–7 along row 8 from the right edge, 8–14 up column 8 from the bottom.
        for (var i = 0; i < 8; i++)
        {
            modules[8, size - 1 - i] = Bit(i);
        }

        for (var i = 8; i < 15; i++)
        {
            modules[size - 15 + i, 8] = Bit(i);
        }

        modules[size - 8, 8] = true;
    }

    /// <summary>The mask penalty of 7.8.3: runs of five or more (3 + excess), 2 × 2 blocks (3), finder-like 1:1:3:1:1 patterns with four light modules beside them (40), and imbalance of dark modules (10 per 5 % from half).</summary>
    internal static int Penalty(bool[,] modules)
    {
        var (rows, columns) = (modules.GetLength(0), modules.GetLength(1));
        var penalty = 0;
        for (var y = 0; y < rows; y++)
        {
            penalty += LinePenalty(i => modules[y, i], columns);
        }

        for (var x = 0; x < columns; x++)
        {
            penalty += LinePenalty(i => modules[i, x], rows);
        }

        for (var y = 0; y < rows - 1; y++)
        {
            for (var x = 0; x < columns - 1; x++)
            {
                var c = modules[y, x];
                if (modules[y, x + 1] == c && modules[y + 1, x] == c && modules[y + 1, x + 1] == c)
                {
                    penalty += 3;
                }
            }
        }

        var dark = 0;
        foreach (var m in modules)
        {
            dark += m ? 1 : 0;
        }

        var percent = dark * 100 / (rows * columns);
        penalty += Math.Abs(percent - 50) / 5 * 10;
        return penalty;
    }

    private static readonly bool[] FinderLeft = [false, false, false, false, true, false, true, true, true, false, true];
    private static readonly bool[] FinderRight = [true, false, true, true, true, false, true, false, false, false, false];

    private static int LinePenalty(Func<int, bool> at, int size)
    {
        var penalty = 0;
        var run = 1;
        for (var i = 1; i <= size; i++)
        {
            if (i < size && at(i) == at(i - 1))
            {
                run++;
                continue;
            }

            if (run >= 5)
            {
                penalty += 3 + (run - 5);
            }

            run = 1;
        }

        for (var i = 0; i + 11 <= size; i++)
        {
            if (Matches(FinderLeft, i) || Matches(FinderRight, i))
            {
                penalty += 40;
            }
        }

        return penalty;

        bool Matches(bool[] pattern, int start)
        {
            for (var k = 0; k < pattern.Length; k++)
            {
                if (at(start + k) != pattern[k])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
