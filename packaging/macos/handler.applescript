-- applinkd's handler for applink:// links: macOS sends each clicked link as an Apple Event.
on open location theURL
	do shell script quoted form of "/usr/local/bin/applinkd" & " open -- " & quoted form of theURL
end open location
