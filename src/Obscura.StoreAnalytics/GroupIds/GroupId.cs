using System.Globalization;

namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// A group ID: the first <see cref="Length"/> bits (0–16) of a visitor's randomised locality-sensitive hash, written as
/// a string of '0' and '1' so that a shorter ID (after merging for the minimum group size) is a prefix of the longer
/// ones it stands for. The empty ID ("-") is the whole band's group.
/// </summary>
public readonly record struct GroupId
{
    /// <summary>The most bits a group ID carries.</summary>
    public const int MaxLength = 16;

    /// <summary>Makes an ID from its low <paramref name="length"/> bits, most significant first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is outside 0–16 or the bits do not fit it.</exception>
    public GroupId(uint bits, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        if (length < 32 && bits >> length != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), "The bits do not fit the length.");
        }

        Bits = bits;
        Length = length;
    }

    /// <summary>The bits, the first one most significant.</summary>
    public uint Bits { get; }

    /// <summary>How many bits.</summary>
    public int Length { get; }

    /// <summary>The first <paramref name="length"/> bits.</summary>
    public GroupId Prefix(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        return new GroupId(Bits >> (Length - length), length);
    }

    /// <summary>Parses "0110…" (or "-" for the empty ID).</summary>
    /// <exception cref="FormatException">Not 0–16 characters of '0' and '1', or "-".</exception>
    public static GroupId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "-")
        {
            return new GroupId(0, 0);
        }

        if (text.Length is 0 or > MaxLength || text.Any(c => c is not ('0' or '1')))
        {
            throw new FormatException("A group ID is 1 to 16 characters of '0' and '1', or '-'.");
        }

        return new GroupId(Convert.ToUInt32(text, 2), text.Length);
    }

    /// <inheritdoc/>
    public override string ToString() => Length == 0 ? "-" : Convert.ToString(Bits, 2).PadLeft(Length, '0').ToString(CultureInfo.InvariantCulture);
}
