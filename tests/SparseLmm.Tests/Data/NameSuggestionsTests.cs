using SparseLmm.Data;

namespace SparseLmm.Tests.Data;

public class NameSuggestionsTests
{
    private static readonly string[] Columns = ["Reaction", "Days", "Subject", "x1", "x2", "grp"];

    [Theory]
    [InlineData("Reactoin", "Reaction")]
    [InlineData("reaction", "Reaction")]
    [InlineData("REACTION", "Reaction")]
    [InlineData("Reacton", "Reaction")]
    [InlineData("day", "Days")]
    [InlineData("Subj", "Subject")]
    [InlineData("x3", "x1")]
    [InlineData("X2", "x2")]
    [InlineData("group", "grp")]
    public void FindsTheIntendedName(string wanted, string expected) =>
        Assert.Equal(expected, NameSuggestions.ClosestName(wanted, Columns));

    [Theory]
    [InlineData("foo")]
    [InlineData("temperature")]
    [InlineData("")]
    public void NoSuggestionWhenNothingIsClose(string wanted) =>
        Assert.Null(NameSuggestions.ClosestName(wanted, Columns));

    [Fact]
    public void PrefersTheCaseSensitivelyCloserOnTies() =>
        Assert.Equal("ab", NameSuggestions.ClosestName("ab", ["AB", "ab"]));

    [Fact]
    public void DidYouMean()
    {
        Assert.Equal(" (did you mean 'Days'?)", NameSuggestions.DidYouMean("Dayz", Columns));
        Assert.Equal("", NameSuggestions.DidYouMean("qqqq", Columns));
        Assert.Null(NameSuggestions.ClosestName("a", []));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ab", "ba", 1)]
    [InlineData("Reactoin", "Reaction", 1)]
    [InlineData("ca", "abc", 3)]
    public void EditDistance(string a, string b, int expected)
    {
        Assert.Equal(expected, NameSuggestions.EditDistance(a, b));
        Assert.Equal(expected, NameSuggestions.EditDistance(b, a));
    }
}
