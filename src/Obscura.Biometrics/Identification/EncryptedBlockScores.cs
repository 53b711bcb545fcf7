using Obscura.Homomorphic.Ckks;

namespace Obscura.Biometrics.Identification;

/// <summary>One block's encrypted margins and whose they are: SubjectIds[k] is the real part of slot k for k &lt; N/2, the imaginary part of slot k − N/2 after.</summary>
public sealed record EncryptedBlockScores(IReadOnlyList<string> SubjectIds, CkksCiphertext Margins)
{
    private static readonly byte[] Magic = "OBGS"u8.ToArray();

    /// <summary>The scores as bytes: <c>"OBGS"</c>, version 1, the subject ids, then the margins' ciphertext (the engine's format).</summary>
    /// <exception cref="ArgumentException">The subject ids are not 1 to N distinct non-empty ids.</exception>
    public byte[] Serialize()
    {
        GalleryFormat.CheckSubjectIds(SubjectIds, m => new ArgumentException(m, nameof(SubjectIds)));
        var output = new List<byte>();
        GalleryFormat.Header(output, Magic);
        GalleryFormat.SubjectIds(output, SubjectIds);
        GalleryFormat.Ciphertext(output, Margins);
        return [.. output];
    }

    /// <summary>
    /// Reads a block's scores, checking magic and version, 1 to N distinct subject ids, a ciphertext of the 1:N parameter
    /// set with every residue below its modulus, at the search level and the result scale, and no trailing bytes.
    /// </summary>
    /// <exception cref="GalleryFormatException">Any of these fails; the message names the rule, never the data.</exception>
    public static EncryptedBlockScores Deserialize(ReadOnlySpan<byte> data)
    {
        var r = new GalleryFormat.Reader(data, Magic, "block's scores");
        var subjectIds = r.SubjectIds();
        var margins = r.Ciphertext();
        if (margins.Level != GalleryScheme.SearchLevel || !EncryptedGalleryBlock.ScaleIs(margins.Scale, GalleryScheme.ResultScale))
        {
            throw r.Error("The margins are not at the search level and the result scale.");
        }

        r.End();
        return new EncryptedBlockScores(subjectIds, margins);
    }
}
