"""Credit rating of member firms: feature table, scorecards (expert + statistical), ratings, monitoring."""
