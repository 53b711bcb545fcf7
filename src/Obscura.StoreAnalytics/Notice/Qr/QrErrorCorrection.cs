namespace Obscura.StoreAnalytics.Notice.Qr;

/// <summary>The four error correction levels of ISO/IEC 18004 (share of codewords that can be restored, roughly).</summary>
public enum QrErrorCorrection
{
    /// <summary>About 7 %.</summary>
    Low,

    /// <summary>About 15 %: the least this encoder is meant for on a printed sign.</summary>
    Medium,

    /// <summary>About 25 %.</summary>
    Quartile,

    /// <summary>About 30 %.</summary>
    High,
}
