using SparseLmm.Cli;

return CliApplication.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
