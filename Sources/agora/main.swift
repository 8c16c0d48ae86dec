import AgoraCLI

AgoraCommand.main()
