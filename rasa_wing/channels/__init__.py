"""Input channels: the REST webhook (`rest`) and Facebook Messenger (`messenger`), with the checks
every inbound body passes (`inbound`) and the Messenger reply format (`messenger_format`)."""
