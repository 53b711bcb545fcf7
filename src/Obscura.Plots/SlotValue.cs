namespace Obscura.Plots;

/// <summary>A value of one time slot of a day; null when the slot's value was suppressed.</summary>
/// <param name="Minute">The slot's start, in minutes after midnight (0 to 1439).</param>
/// <param name="Value">The value, or null for a suppressed slot.</param>
public readonly record struct SlotValue(int Minute, double? Value);
