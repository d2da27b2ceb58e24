using System.Diagnostics;
using System.Text;
using SparseLmm.Reporting;

namespace SparseLmm.Tests.Reporting;

/// <summary>The summary is linear in the length of term names (issue 10, item 17): R's abbreviate() in one pass per
/// rule, checked against the earlier character-by-character implementation.</summary>
public class LongTermNameTests
{
    /// <summary>The earlier implementation (quadratic: it removed characters one at a time and recounted spaces after
    /// each), kept as the reference for the results.</summary>
    private static class Reference
    {
        public static string AbbreviateOne(string name, int minLength)
        {
            var text = new StringBuilder(name.Trim());
            if (text.Length <= minLength) return text.ToString();

            bool IsFirstOfWord(int i) => i == 0 || char.IsWhiteSpace(text[i - 1]);
            bool IsLastOfWord(int i) => !char.IsWhiteSpace(text[i - 1]) && (i + 1 >= text.Length || char.IsWhiteSpace(text[i + 1]));
            int Spaces() => text.ToString().Count(char.IsWhiteSpace);
            bool Short() => text.Length - Spaces() <= minLength;

            for (int i = text.Length - 1; i > 0; i--)
            {
                if (i < text.Length && "aeiou".Contains(text[i]) && !IsFirstOfWord(i)) text.Remove(i, 1);
                if (Short()) return Finish();
            }
            for (int i = text.Length - 1; i > 0; i--)
            {
                if (i < text.Length && char.IsLower(text[i]) && !IsFirstOfWord(i) && !IsLastOfWord(i)) text.Remove(i, 1);
                if (Short()) return Finish();
            }
            for (int i = text.Length - 1; i > 0; i--)
            {
                if (i < text.Length && !IsFirstOfWord(i) && !char.IsWhiteSpace(text[i])) text.Remove(i, 1);
                if (Short()) return Finish();
            }
            return Finish();

            string Finish()
            {
                if (text.Length > minLength)
                    for (int i = text.Length - 1; i > 0; i--)
                        if (char.IsWhiteSpace(text[i])) text.Remove(i, 1);
                return text.ToString();
            }
        }
    }

    [Fact]
    public void Abbreviations_match_the_reference_on_random_names()
    {
        var random = new Random(5);
        const string alphabet = "aeiouxyzBCD  _.1";
        for (int trial = 0; trial < 3000; trial++)
        {
            int length = random.Next(0, 30);
            var name = new StringBuilder();
            for (int i = 0; i < length; i++) name.Append(alphabet[random.Next(alphabet.Length)]);
            int minLength = random.Next(1, 12);
            Assert.Equal(Reference.AbbreviateOne(name.ToString(), minLength), TextTable.Abbreviate([name.ToString()], minLength)[0]);
        }
    }

    [Fact]
    public void Summary_of_a_fit_with_a_20000_character_term_is_fast()
    {
        var name = new string('x', 20000);
        var random = new Random(2);
        var csv = new StringBuilder($"y,{name},g\n");
        for (int i = 0; i < 60; i++) csv.Append(random.NextDouble()).Append(',').Append(random.NextDouble()).Append(",g").Append(i % 6).Append('\n');
        var data = SparseLmm.Data.CsvReader.Parse(csv.ToString(), "long.csv");
        var fit = MixedModel.Fit($"y ~ 1 + {name} + (1 | g)", data);
        var clock = Stopwatch.StartNew();
        var summary = fit.Summary();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"summary took {clock.Elapsed}");
        Assert.Contains(name, summary);
    }
}
