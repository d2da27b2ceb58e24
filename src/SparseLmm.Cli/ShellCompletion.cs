namespace SparseLmm.Cli;

/// <summary>The scripts of <c>sparselmm completion SHELL</c>. Each asks the program itself what may come next
/// through System.CommandLine's <c>[suggest:POSITION] "LINE"</c> directive, so the completions are always those of the
/// installed version: commands, the options of the command being typed, option values (families, kinds, ...) and
/// embedded data set names; where nothing is suggested the shell completes file names.</summary>
internal static class ShellCompletion
{
    public static readonly string[] Shells = ["bash", "zsh", "pwsh"];

    /// <summary>The script for <paramref name="shell"/>.</summary>
    public static string Script(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        "pwsh" => PowerShell,
        _ => throw new UsageException($"unknown shell '{shell}' (use {string.Join(", ", Shells)})"),
    };

    private const string Bash = """
        # sparselmm completion for bash. Load it with: eval "$(sparselmm completion bash)"
        # (or add that line to ~/.bashrc). File names are completed where sparselmm suggests nothing.
        _sparselmm_complete() {
            local current="${COMP_WORDS[COMP_CWORD]}"
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(sparselmm "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "$current"))
        }
        complete -o default -F _sparselmm_complete sparselmm

        """;

    private const string Zsh = """
        # sparselmm completion for zsh. Load it with: eval "$(sparselmm completion zsh)"
        # (after compinit, e.g. in ~/.zshrc). File names are completed where sparselmm suggests nothing.
        _sparselmm() {
            local -a suggestions
            suggestions=(${(f)"$(sparselmm "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)"})
            if (( ${#suggestions} )); then
                compadd -a suggestions
            else
                _files
            fi
        }
        compdef _sparselmm sparselmm

        """;

    private const string PowerShell = """
        # sparselmm completion for PowerShell. Load it with: sparselmm completion pwsh | Out-String | Invoke-Expression
        # (or add that line to $PROFILE). File names are completed where sparselmm suggests nothing.
        Register-ArgumentCompleter -Native -CommandName sparselmm -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            # The cursor counts from the start of the whole input ("cd data; sparselmm fit ..."), the command's text
            # from its own start.
            $position = $cursorPosition - $commandAst.Extent.StartOffset
            sparselmm "[suggest:$position]" "$commandAst" 2>$null | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }

        """;
}
