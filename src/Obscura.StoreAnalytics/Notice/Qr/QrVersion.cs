namespace Obscura.StoreAnalytics.Notice.Qr;

/// <summary>
/// The symbol versions 1 to 10 of ISO/IEC 18004 (21 × 21 to 57 × 57 modules): codeword capacity, error correction
/// blocks per level (Table 9) and alignment pattern centres (Annex E). Enough for a URL of up to 213 bytes at level M.
/// </summary>
internal static class QrVersion
{
    /// <summary>The largest version this encoder writes.</summary>
    public const int Max = 10;

    private static readonly int[] TotalCodewords = [0, 26, 44, 70, 100, 134, 172, 196, 242, 292, 346];

    // Per level (L, M, Q, H) and version 1..10: error correction codewords per block, and the number of blocks.
    private static readonly int[][] EcPerBlock =
    [
        [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18],
        [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26],
        [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24],
        [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28],
    ];

    private static readonly int[][] Blocks =
    [
        [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4],
        [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5],
        [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8],
        [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8],
    ];

    private static readonly int[][] Alignment =
    [
        [], [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ];

    /// <summary>Modules per side: 17 + 4·version.</summary>
    public static int Size(int version) => 17 + (4 * version);

    /// <summary>All codewords of the symbol (data and error correction).</summary>
    public static int Codewords(int version) => TotalCodewords[version];

    /// <summary>Error correction codewords per block.</summary>
    public static int EcCodewordsPerBlock(int version, QrErrorCorrection level) => EcPerBlock[(int)level][version];

    /// <summary>Number of error correction blocks.</summary>
    public static int BlockCount(int version, QrErrorCorrection level) => Blocks[(int)level][version];

    /// <summary>Data codewords: all codewords less the error correction ones.</summary>
    public static int DataCodewords(int version, QrErrorCorrection level) =>
        Codewords(version) - (EcCodewordsPerBlock(version, level) * BlockCount(version, level));

    /// <summary>Row/column centres of the alignment patterns.</summary>
    public static IReadOnlyList<int> AlignmentCentres(int version) => Alignment[version];

    /// <summary>Bits of the character count indicator in byte mode: 8 up to version 9, 16 from version 10.</summary>
    public static int ByteCountBits(int version) => version <= 9 ? 8 : 16;
}
